import { readdir } from 'node:fs/promises'
import { extname, join, relative } from 'node:path'
import { isFunctionFile } from '../routing/names.js'

/**
 * The function files under `dir`; symbolic links are not followed (`onLink` hears of those that
 * would be functions or folders).
 */
export async function listFunctionFiles(
  dir: string,
  onLink: (path: string) => void = () => {},
): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  for (const e of entries) {
    const path = join(e.parentPath, e.name)
    if (e.isSymbolicLink() && (isFunctionFile(relative(dir, path)) || !extname(e.name)))
      onLink(path)
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => isFunctionFile(relative(dir, f)))
    .sort()
}
