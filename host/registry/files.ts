import { readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { isFunctionFile } from '../routing/names.js'

export async function listFunctionFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => isFunctionFile(relative(dir, f)))
    .sort()
}
