import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../../host/paths.js'

/**
 * The web-platform-tests data: `../shared/wpt` beside the repository (where CI puts it), or
 * FNHOST_WPT_DIR. Missing data fails the test: a conformance suite that skips proves nothing.
 */
export function wptJson<T>(rel: string): T {
  const dir = process.env.FNHOST_WPT_DIR ?? join(packageRoot, '..', 'shared', 'wpt')
  const file = join(dir, rel)
  if (!existsSync(file))
    throw new Error(
      `WPT data not found at ${file}: place shared/wpt beside the clone, or set FNHOST_WPT_DIR`,
    )
  return JSON.parse(readFileSync(file, 'utf8')) as T
}
