import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package root, found from this file whether it runs from host/ (tsx, vitest) or dist/host/. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error('fnhost: package.json not found above ' + import.meta.url)
    dir = up
  }
  return dir
}

export const packageRoot = findRoot()
export const guestsDir = join(packageRoot, 'guests')
