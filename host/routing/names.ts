import { posix } from 'node:path'

/** File extensions that make a file a function (CONTRACTS.md, 'The functions folder'). */
export const FUNCTION_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.wasm'] as const

/** Files that are never functions whatever their extension: types, tests, source maps. */
const NEVER_FUNCTIONS = /(?:\.d\.[cm]?ts|\.test\.[^./]+|\.map)$/

/**
 * A file or folder name the host never serves nor watches: `_helpers`, `.git`, `node_modules`.
 * The one rule for the registry, its watcher, `fnhost new` and `fnhost build`.
 */
export function ignoredName(name: string): boolean {
  return name.startsWith('_') || name.startsWith('.') || name === 'node_modules'
}

/** Whether a path below the functions folder ('/' or '\\' separated) lies under an ignored name. */
export function underIgnoredName(relPath: string): boolean {
  return relPath.split(/[\\/]/).some((p) => p !== '' && ignoredName(p))
}

/**
 * What the folder's watcher skips: dot-names and `node_modules`. Folders like `_lib` are
 * watched, though never routed: functions import from them, and a change there reloads them.
 */
export function unwatchedPath(relPath: string): boolean {
  return relPath.split(/[\\/]/).some((p) => p !== '' && (p.startsWith('.') || p === 'node_modules'))
}

/** Which files in a functions folder are functions (CONTRACTS.md, 'The functions folder'). */
export function isFunctionFile(relPath: string): boolean {
  if (underIgnoredName(relPath) || NEVER_FUNCTIONS.test(relPath)) return false
  return (FUNCTION_EXTENSIONS as readonly string[]).includes(posix.extname(relPath))
}

/** The sidecar config of a function file: 'api/users.js' -> 'api/users.json'. */
export function sidecarOf(file: string): string {
  return file.slice(0, file.length - posix.extname(file).length) + '.json'
}

/** 'api/users.js' -> '/api/users', 'index.js' -> '/', 'users/[id].js' -> '/users/:id'. */
export function routeFromPath(relPath: string): string {
  const ext = posix.extname(relPath)
  const segments = relPath
    .slice(0, relPath.length - ext.length)
    .split('/')
    .map((s) => s.replace(/^\[([A-Za-z_][A-Za-z0-9_]*)\]$/, ':$1'))
  if (segments.at(-1) === 'index') segments.pop()
  return '/' + segments.join('/')
}
