import { readFile, rm, writeFile } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { compile, sdkDir, type CompileResult } from './clang.js'

/** The WIT (wasi:http@0.2.12 and the world C components target) shipped with the C SDK. */
export function componentWitDir(): string {
  return join(sdkDir(), 'wit')
}
export const COMPONENT_WORLD = 'http-handler'

/** clang flags for the core module of a C component: freestanding, no libc, bulk memory for memcpy. */
export function componentClangArgs(input: string, output: string): string[] {
  return [
    '--target=wasm32-unknown-unknown',
    '-O2',
    '-s',
    '-Wall',
    '-Wextra',
    '-mbulk-memory',
    '-nostdlib',
    '-Wl,--no-entry',
    '-I',
    sdkDir(),
    '-o',
    output,
    input,
  ]
}

/** Headers a freestanding build has (clang's own): including any other one means libc. */
const FREESTANDING = new Set([
  'stddef.h',
  'stdint.h',
  'stdbool.h',
  'stdarg.h',
  'limits.h',
  'float.h',
  'stdalign.h',
  'stdnoreturn.h',
  'iso646.h',
])

/** Whether a C component's source includes a libc header (then it links wasi-libc). */
export function usesLibc(source: string): boolean {
  for (const m of source.matchAll(/^\s*#\s*include\s*<([^>]+)>/gm))
    if (!FREESTANDING.has(m[1] as string)) return true
  return false
}

/**
 * clang flags for the core module of a C component that uses libc: wasi-libc (its WASI preview1
 * calls are adapted to wasi:cli and wasi:io by the preview1 adapter), as a reactor, so the
 * component's exports can be called more than once.
 */
export function libcComponentClangArgs(input: string, output: string): string[] {
  return [
    '--target=wasm32-wasi',
    '-mexec-model=reactor',
    '-O2',
    '-s',
    '-Wall',
    '-Wextra',
    '-mbulk-memory',
    '-I',
    sdkDir(),
    '-o',
    output,
    input,
  ]
}

/** The WASI preview1 adapter shipped with the C SDK (guests/c/adapters/README.md). */
const PREVIEW1_ADAPTER = 'adapters/wasi_snapshot_preview1.reactor.wasm'

/**
 * clang runs any `wasm-opt` it finds on PATH after linking; npm puts binaryen's there (a jco
 * dependency), which would make the output depend on how the build was started. Leave it out.
 */
function withoutNpmBins(): NodeJS.ProcessEnv {
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !dir.split(/[\\/]/).includes('node_modules'))
    .join(delimiter)
  return { ...process.env, PATH: path }
}

/**
 * A C handler written against fnhost_http.h as a wasi:http component: clang builds the core
 * module (freestanding, or with wasi-libc and the preview1 adapter when the source includes a
 * libc header), then the WIT is embedded and the component made (what `jco embed` and `jco new` run,
 * here through jco-transpile's wasm-tools, a runtime dependency). The output is reproducible.
 */
export async function buildComponent(
  clang: string,
  input: string,
  output: string,
  wit: { dir: string; world: string } = { dir: componentWitDir(), world: COMPONENT_WORLD },
): Promise<CompileResult> {
  const core = `${output}.core.tmp`
  try {
    const libc = usesLibc(await readFile(input, 'utf8'))
    const args = libc ? libcComponentClangArgs(input, core) : componentClangArgs(input, core)
    const result = await compile(clang, args, withoutNpmBins())
    if (!result.ok) return result
    const { componentEmbed, componentNew } =
      await import('@bytecodealliance/jco-transpile/wasm-tools')
    try {
      const embedded = await componentEmbed({
        binary: await readFile(core),
        witPath: wit.dir,
        world: wit.world,
      })
      const adapters: [string, Uint8Array][] = libc
        ? [['wasi_snapshot_preview1', await readFile(join(sdkDir(), PREVIEW1_ADAPTER))]]
        : []
      await writeFile(output, await componentNew(embedded, adapters))
    } catch (e) {
      return {
        ok: false,
        output: `making the component failed: ${(e as Error).message ?? String(e)}`,
      }
    }
    return result
  } finally {
    await rm(core, { force: true })
  }
}
