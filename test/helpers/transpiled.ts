import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../../host/paths.js'

/** How long a folder of older code is kept (a test run may still be using it). */
const KEEP_MS = 24 * 3600_000

/**
 * A component transpile cache (the pool's `drivers.componentCacheDir`) for tests that serve
 * components rather than test the transpiling and its cache (test/component/serve.test.ts and
 * no-shim.test.ts keep a fresh cache of their own): kept in node_modules/.cache across runs, in a
 * folder named for a hash of the code that writes its entries (host/sandbox/component/, jco's
 * version), so an edit there starts a new one and a test never serves what older code wrote.
 * Entries are written whole and renamed into place (cache.ts), so parallel test files can share it.
 * Folders of older code are removed a day after their last new entry.
 */
export function transpiledCache(): string {
  const hash = createHash('sha256')
  const code = join(packageRoot, 'host/sandbox/component')
  const files = readdirSync(code, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(code, f)).isFile())
    .sort()
  for (const f of files) hash.update(f).update(readFileSync(join(code, f)))
  hash.update(
    readFileSync(join(packageRoot, 'node_modules/@bytecodealliance/jco-transpile/package.json')),
  )
  const parent = join(packageRoot, 'node_modules/.cache/fnhost/transpiled')
  const dir = join(parent, hash.digest('hex').slice(0, 16))
  if (!existsSync(dir)) {
    // Private: the host refuses a cache folder others may write (it imports code from it).
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    for (const name of readdirSync(parent)) {
      const old = join(parent, name)
      try {
        if (old !== dir && Date.now() - statSync(old).mtimeMs > KEEP_MS)
          rmSync(old, { recursive: true, force: true })
      } catch {
        // Another test process removed it first.
      }
    }
  }
  return dir
}
