import { readdir } from 'node:fs/promises'
import { extname, join, relative } from 'node:path'
import { FUNCTION_EXTENSIONS } from './routes.js'

function ignoredName(name: string): boolean {
  return name.startsWith('_') || name.startsWith('.') || name === 'node_modules'
}

/** Which files in a functions folder are functions (CONTRACTS.md, 'The functions folder'). */
export function isFunctionFile(relPath: string): boolean {
  const parts = relPath.split(/[\\/]/)
  if (parts.some(ignoredName)) return false
  return (FUNCTION_EXTENSIONS as readonly string[]).includes(extname(relPath))
}

/** The sidecar config of a function file: 'api/users.js' -> 'api/users.json'. */
export function sidecarOf(file: string): string {
  return file.slice(0, file.length - extname(file).length) + '.json'
}

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
