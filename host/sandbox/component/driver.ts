import type { FunctionSpec } from '../../types.js'
import type { LoadedFunction, SandboxDriver } from '../types.js'
import { loadFailure } from '../wasm/compile.js'
import { ComponentFunction } from './component-function.js'
import { compileCores } from './core.js'
import { checkComponentVersion, isComponent } from './header.js'
import { loadInstantiate } from './instance.js'
import { defaultCacheDir, transpileCached } from './transpile.js'
import { checkWorld, parseWorld } from './world.js'

export interface ComponentDriverOptions {
  /** Where transpiled components are cached (default: a private folder under the OS temp dir). */
  cacheDir?: string
}

/** The component's world (imports and exports) from its own type information, then the allowlist. */
async function checkComponent(bytes: Uint8Array): Promise<void> {
  checkComponentVersion(bytes)
  const { componentWit } = await import('@bytecodealliance/jco-transpile/wasm-tools')
  let wit: string
  try {
    wit = await componentWit(bytes)
  } catch (e) {
    throw new Error(`not a valid component: ${(e as Error).message ?? String(e)}`, { cause: e })
  }
  checkWorld(parseWorld(wit))
}

/**
 * WebAssembly components exporting wasi:http/incoming-handler@0.2.x (`wasmtime serve`, Spin,
 * cargo-component, componentize-js, C through guests/c/fnhost_http.h), run through jco-transpile
 * with the host's own WASI 0.2 imports. Never @bytecodealliance/preview2-shim: it is not a sandbox.
 */
export function createComponentDriver(options: ComponentDriverOptions = {}): SandboxDriver {
  const cacheDir = options.cacheDir ?? defaultCacheDir()
  return {
    kind: 'component',

    detect: (_file, bytes) => isComponent(bytes),

    async inspect(file, bytes) {
      try {
        await checkComponent(bytes)
      } catch (e) {
        throw loadFailure(file, e)
      }
      return {}
    },

    async load(spec: FunctionSpec): Promise<LoadedFunction> {
      try {
        await checkComponent(spec.source)
        const transpiled = await transpileCached(spec.source, cacheDir)
        const cores = await compileCores(transpiled, spec.config.memoryMb)
        const run = await loadInstantiate(transpiled)
        return new ComponentFunction(spec, run, cores)
      } catch (e) {
        throw loadFailure(`function ${spec.name}`, e)
      }
    },
  }
}
