import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { mkdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { packageRoot } from '../../host/paths.js'
import { findClang, sdkDir } from '../../host/toolchain/clang.js'
import { buildComponent } from '../../host/toolchain/component.js'

/**
 * C components that tests serve (rather than test the building of), built once per change of
 * what goes into them and kept in node_modules/.cache: the source, the C SDK (headers, WIT,
 * adapter), the build code, clang and jco-transpile's wasm-tools. `buildComponent` is reproducible,
 * so a cached output is the output a fresh build would give; test/component/build.test.ts builds.
 */
const CACHE = join(packageRoot, 'node_modules/.cache/fnhost/c-components')

const WASI_LIBC = '/usr/lib/wasm32-wasi/libc.a'

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort()
}

function buildKey(clang: string, source: string): string {
  const hash = createHash('sha256').update(readFileSync(source))
  const sdk = sdkDir()
  for (const f of filesUnder(sdk)) hash.update(f).update(readFileSync(join(sdk, f)))
  for (const f of ['host/toolchain/component.ts', 'host/toolchain/clang.ts'])
    hash.update(readFileSync(join(packageRoot, f)))
  // clang, and the wasi-libc a component including a libc header links.
  for (const tool of [realpathSync(clang), WASI_LIBC].filter((f) => existsSync(f)))
    hash.update(`${tool}\0${statSync(tool).mtimeMs}`)
  hash.update(
    readFileSync(join(packageRoot, 'node_modules/@bytecodealliance/jco-transpile/package.json')),
  )
  return hash.digest('hex').slice(0, 16)
}

const building = new Map<string, Promise<Uint8Array>>()

/** The component `source` builds to (throwing the compiler's output if it fails). */
export function cComponent(source: string): Promise<Uint8Array> {
  const clang = findClang()
  const key = buildKey(clang, source)
  let bytes = building.get(key)
  if (!bytes) {
    bytes = (async () => {
      const out = join(CACHE, `${key}.wasm`)
      if (!existsSync(out)) {
        await mkdir(CACHE, { recursive: true })
        // Built aside and renamed into place: test files run in parallel processes.
        const aside = `${out}.${process.pid}.tmp`
        const result = await buildComponent(clang, source, aside)
        if (!result.ok) {
          await rm(aside, { force: true })
          throw new Error(`building ${source} failed:\n${result.output}`)
        }
        await rename(aside, out)
      }
      return readFile(out)
    })()
    building.set(key, bytes)
  }
  return bytes
}
