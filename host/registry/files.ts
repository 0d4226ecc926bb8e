import { readdir } from 'node:fs/promises'
import { extname, join, relative } from 'node:path'
import { FUNCTION_EXTENSIONS } from './routes.js'

function ignoredName(name: string): boolean {
  return name.startsWith('_') || name.startsWith('.') || name === 'node_modules'
}

/** Files beside functions that never route: type declarations, tests, source maps. */
const NOT_A_FUNCTION = /\.d\.[mc]?ts$|\.test\.[^/\\]+$|\.map$/

/**
 * Which files in a functions folder are functions (CONTRACTS.md, 'The functions folder'). JSON
 * (sidecars, fnhost.json, package.json) and lock files never have a function's extension.
 */
export function isFunctionFile(relPath: string): boolean {
  const parts = relPath.split(/[\\/]/)
  if (parts.some(ignoredName) || NOT_A_FUNCTION.test(relPath)) return false
  return (FUNCTION_EXTENSIONS as readonly string[]).includes(extname(relPath))
}

/** The sidecar config of a function file: 'api/users.js' -> 'api/users.json'. */
export function sidecarOf(file: string): string {
  return file.slice(0, file.length - extname(file).length) + '.json'
}

export async function listFunctionFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => isFunctionFile(relative(dir, f)))
    .sort()
}
