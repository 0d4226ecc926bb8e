import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { importModule } from '../../import-module.js'
import { GROW_FAILED_EXPORT } from '../wasm/rewrite.js'
import type { CoreModules } from './core.js'
import type { IncomingRequest, ResponseOutparam } from './wasi/http.js'
import { HANDLER_EXPORT } from './world.js'
import type { Transpiled } from './cache.js'
import type { Glue, InstanceParts } from './snapshot.js'

type Imports = Record<string, Record<string, unknown>>
type Instantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Imports,
  instantiateCore: (
    module: WebAssembly.Module,
    imports: WebAssembly.Imports,
  ) => WebAssembly.Instance,
  glue: Glue,
) => Record<string, unknown>

export interface Handler {
  handle(request: IncomingRequest, out: ResponseOutparam): void
}

/** One instance of a component: its handler and the core instance that owns its memory. */
export interface ComponentInstance {
  handler: Handler
  /** True when the capped memory refused to grow (the guest hit memoryMb). */
  growFailed(): boolean
  /** What a snapshot of this instance saves (snapshot.ts); absent without a host-given memory. */
  parts?: InstanceParts
}

/** Globals among a core instance's imports: those the glue made itself are state too. */
function globalsIn(imports: WebAssembly.Imports): WebAssembly.Global[] {
  return Object.values(imports).flatMap((names) =>
    Object.values(names).filter((v): v is WebAssembly.Global => v instanceof WebAssembly.Global),
  )
}

/** The generated module's `instantiate`, imported once per cached transpilation. */
export async function loadInstantiate(t: Transpiled): Promise<Instantiate> {
  const mod = (await importModule(pathToFileURL(join(t.dir, 'component.mjs')).href)) as {
    instantiate: Instantiate
  }
  return mod.instantiate
}

/**
 * Instantiates through the generated JS with the host's imports only, handing the capped core
 * module the given memory. `leanSync`: the component uses no async builtins (patch.ts).
 */
export function instantiate(
  run: Instantiate,
  cores: CoreModules,
  imports: Imports,
  memory: WebAssembly.Memory | undefined,
  leanSync = false,
): ComponentInstance {
  let owner: WebAssembly.Instance | undefined
  const instances: WebAssembly.Instance[] = []
  const importedGlobals: WebAssembly.Global[] = []
  const glue: Glue = { leanSync }
  const exports = run(
    (name) => {
      const module = cores.modules.get(name)
      if (!module) throw new Error(`the transpiled component names an unknown core module ${name}`)
      return module
    },
    imports,
    (module, coreImports = {}) => {
      importedGlobals.push(...globalsIn(coreImports))
      let instance: WebAssembly.Instance
      if (module !== cores.capped?.module || !memory)
        instance = new WebAssembly.Instance(module, coreImports)
      else {
        const { plan } = cores.capped
        owner = instance = new WebAssembly.Instance(module, {
          ...coreImports,
          [plan.module]: { ...coreImports[plan.module], [plan.name]: memory },
        })
      }
      instances.push(instance)
      return instance
    },
    glue,
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
    parts: memory && { memory, instances, importedGlobals, glue },
  }
}
