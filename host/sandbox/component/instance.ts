import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { GROW_FAILED_EXPORT } from '../wasm/rewrite.js'
import type { CoreModules } from './core.js'
import type { IncomingRequest, ResponseOutparam } from './wasi/http.js'
import { HANDLER_EXPORT } from './world.js'
import type { Transpiled } from './cache.js'

type Imports = Record<string, Record<string, unknown>>
type Instantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Imports,
  instantiateCore: (
    module: WebAssembly.Module,
    imports: WebAssembly.Imports,
  ) => WebAssembly.Instance,
) => Record<string, unknown>

export interface Handler {
  handle(request: IncomingRequest, out: ResponseOutparam): void
}

/** One instance of a component: its handler and the core instance that owns its memory. */
export interface ComponentInstance {
  handler: Handler
  /** True when the capped memory refused to grow (the guest hit memoryMb). */
  growFailed(): boolean
}

/** The generated module's `instantiate`, imported once per cached transpilation. */
export async function loadInstantiate(t: Transpiled): Promise<Instantiate> {
  const mod = (await import(pathToFileURL(join(t.dir, 'component.mjs')).href)) as {
    instantiate: Instantiate
  }
  return mod.instantiate
}

/**
 * Instantiates through the generated JS with the host's imports only, handing the capped core
 * module the given memory.
 */
export function instantiate(
  run: Instantiate,
  cores: CoreModules,
  imports: Imports,
  memory: WebAssembly.Memory | undefined,
): ComponentInstance {
  let owner: WebAssembly.Instance | undefined
  const exports = run(
    (name) => {
      const module = cores.modules.get(name)
      if (!module) throw new Error(`the transpiled component names an unknown core module ${name}`)
      return module
    },
    imports,
    (module, coreImports) => {
      if (module !== cores.capped?.module || !memory)
        return new WebAssembly.Instance(module, coreImports)
      const { plan } = cores.capped
      owner = new WebAssembly.Instance(module, {
        ...coreImports,
        [plan.module]: { ...coreImports[plan.module], [plan.name]: memory },
      })
      return owner
    },
  )
  const key = Object.keys(exports).find((k) => k.startsWith(`${HANDLER_EXPORT}@`))
  const handler = key ? (exports[key] as Handler | undefined) : undefined
  if (!handler || typeof handler.handle !== 'function')
    throw new Error(`the component does not export ${HANDLER_EXPORT}`)
  return {
    handler,
    growFailed: () => {
      const flag = owner?.exports[GROW_FAILED_EXPORT]
      return flag instanceof WebAssembly.Global && flag.value === 1
    },
  }
}
