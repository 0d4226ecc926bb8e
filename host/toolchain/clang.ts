import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'
import { assetDir } from '../assets.js'

const run = promisify(execFile)

/** The C SDK (fnhost.h, fnhost.c, fnmicro.h) as real files, for the compiler's include path. */
export const sdkDir = () => assetDir('guests/c')
export const APT_PACKAGES = 'clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32'
export const INSTALL_HINT = `install the C toolchain with: apt-get install ${APT_PACKAGES}`

/** The guest ABIs a C handler can target; fnmicro sources include fnmicro.h, components fnhost_http.h. */
export type CAbi = 'wagi' | 'fnmicro' | 'wasi-http'

export function abiOf(source: string): CAbi {
  if (/#\s*include\s*[<"]fnhost_http\.h[>"]/.test(source)) return 'wasi-http'
  return /#\s*include\s*[<"]fnmicro\.h[>"]/.test(source) ? 'fnmicro' : 'wagi'
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name)
    if (dir && existsSync(candidate)) return candidate
  }
  return undefined
}

/** Files the Debian packages install; their absence names the package to add. */
const REQUIRED = [
  { what: 'wasm-ld-19 (lld-19)', check: () => onPath('wasm-ld-19') !== undefined },
  { what: 'the wasi-libc sysroot', check: () => existsSync('/usr/lib/wasm32-wasi/libc.a') },
  {
    what: 'the wasm32 compiler runtime (libclang-rt-19-dev-wasm32)',
    check: () => existsSync('/usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a'),
  },
]

export class ToolchainMissingError extends Error {
  override readonly name = 'ToolchainMissingError'
}

/** clang-19 (or $FNHOST_CLANG) with wasm-ld and wasi-libc; throws ToolchainMissingError naming the packages. */
export function findClang(): string {
  const override = process.env.FNHOST_CLANG
  if (override) return override
  const clang = onPath('clang-19')
  const missing = [
    ...(clang ? [] : ['clang-19']),
    ...REQUIRED.filter((r) => !r.check()).map((r) => r.what),
  ]
  if (missing.length > 0)
    throw new ToolchainMissingError(`missing ${missing.join(', ')}; ${INSTALL_HINT}`)
  return clang as string
}

/**
 * Compiler arguments per ABI. WAGI links wasi-libc and the SDK; fnmicro is freestanding, one page,
 * MVP plus bulk-memory and sign-ext so wasm2c and small interpreters run it unchanged.
 */
export function clangArgs(
  abi: Exclude<CAbi, 'wasi-http'>,
  input: string,
  output: string,
): string[] {
  const sdk = sdkDir()
  const common = ['-O2', '-s', '-Wall', '-Wextra', '-I', sdk, '-o', output]
  if (abi === 'wagi') return ['--target=wasm32-wasi', ...common, input, join(sdk, 'fnhost.c')]
  return [
    '--target=wasm32',
    '-mcpu=mvp',
    '-mbulk-memory',
    '-msign-ext',
    '-ffreestanding',
    '-nostdlib',
    '-Wl,--no-entry',
    '-Wl,-z,stack-size=4096',
    '-Wl,--initial-memory=65536',
    '-Wl,--max-memory=65536',
    ...common,
    input,
  ]
}

export interface CompileResult {
  ok: boolean
  /** Compiler diagnostics, empty when quiet. */
  output: string
}

export async function compile(
  tool: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<CompileResult> {
  try {
    const { stdout, stderr } = await run(tool, args, { maxBuffer: 16 * 1024 * 1024, env })
    return { ok: true, output: stdout + stderr }
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string }
    return { ok: false, output: (err.stdout ?? '') + (err.stderr ?? err.message) }
  }
}
