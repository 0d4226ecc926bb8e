import { existsSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'

/**
 * Where a function's imports may come from: the functions folder itself (local files, and any
 * `node_modules` inside it), plus the `node_modules` folders of the project that holds the
 * functions folder (every folder from its parent up to the nearest one with a package.json). A
 * user who runs `npm install hono` in their project and serves `./functions` expects `hono` to be
 * found, as Node would; nothing else on the host (a `../../secret.json`) can be bundled.
 */
export function allowedRoots(dir: string): string[] {
  const roots = [dir]
  const above: string[] = []
  let at = dirname(dir)
  for (;;) {
    above.push(join(at, 'node_modules'))
    if (existsSync(join(at, 'package.json'))) {
      roots.push(...above)
      break
    }
    const up = dirname(at)
    if (up === at) break
    at = up
  }
  return roots
}

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !rel.startsWith(sep))
}
