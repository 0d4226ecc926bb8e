import { existsSync, statSync } from 'node:fs'
import { dirname, join, sep } from 'node:path'

/*
 * The bundling thread's memory of where bare imports resolved into a node_modules: asking esbuild
 * again from a plugin is a round trip to its process, a third of a small function's build. An
 * answer is reused only while what decided it stands: the file and its package's package.json
 * unchanged, and no package of that name appeared in a node_modules nearer the importer.
 */

interface Resolved {
  path: string
  sideEffects: boolean | undefined
  /** Fingerprints of the file and its package.json when resolved. */
  prints: [string, string]
  /** node_modules/<name> folders nearer the importer, absent when resolved. */
  nearer: string[]
}

const answers = new Map<string, Resolved>()

/** At most this many answers are kept (a folder's functions import far fewer names). */
const MAX_ANSWERS = 4096

const keyOf = (resolveDir: string, path: string, kind: string) => `${resolveDir}\0${path}\0${kind}`

function print(path: string): string {
  try {
    const info = statSync(path)
    return `${info.mtimeMs}:${info.size}`
  } catch {
    return 'gone'
  }
}

/** `/a/node_modules/@s/p/dist/x.js` -> `/a/node_modules/@s/p` and `@s/p`. */
function packageOf(path: string): { root: string; name: string } | undefined {
  const parts = path.split(sep)
  const at = parts.lastIndexOf('node_modules')
  if (at < 0 || at + 1 >= parts.length) return undefined
  const scoped = parts[at + 1]!.startsWith('@')
  const name = parts.slice(at + 1, at + (scoped ? 3 : 2))
  return { root: parts.slice(0, at + 1 + name.length).join(sep), name: name.join('/') }
}

/** The import's last answer, if it still stands. */
export function resolvedBefore(resolveDir: string, path: string, kind: string) {
  const known = answers.get(keyOf(resolveDir, path, kind))
  if (!known) return undefined
  const pkg = packageOf(known.path)
  const stands =
    pkg !== undefined &&
    print(known.path) === known.prints[0] &&
    print(join(pkg.root, 'package.json')) === known.prints[1] &&
    !known.nearer.some((folder) => existsSync(folder))
  return stands ? known : undefined
}

/** Remembers where an import resolved (a file inside a node_modules). */
export function remember(
  resolveDir: string,
  path: string,
  kind: string,
  found: { path: string; sideEffects: boolean | undefined },
): void {
  const pkg = packageOf(found.path)
  if (!pkg) return
  // Where it was found: node_modules/<name> in `base`, a folder the lookup climbed to from the
  // importer's. Anything else (an alias, say) is not remembered.
  const base = pkg.root.slice(0, pkg.root.length - join('node_modules', pkg.name).length - 1)
  if (resolveDir !== base && !resolveDir.startsWith(base + sep)) return
  const nearer: string[] = []
  for (let at = resolveDir; at !== base; at = dirname(at))
    nearer.push(join(at, 'node_modules', pkg.name))
  if (answers.size >= MAX_ANSWERS) answers.clear()
  answers.set(keyOf(resolveDir, path, kind), {
    ...found,
    prints: [print(found.path), print(join(pkg.root, 'package.json'))],
    nearer,
  })
}
