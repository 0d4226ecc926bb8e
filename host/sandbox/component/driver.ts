import { threadBlockingKv } from '../../kv/blocking.js'
import { kvGrantsFor } from '../../kv/grants.js'
import type { FunctionSpec } from '../../types.js'
import type { LoadedFunction, SandboxDriver } from '../types.js'
import { loadFailure } from '../wasm/compile.js'
import { ComponentFunction } from './component-function.js'
import { compileCores } from './core.js'
import { defaultCacheDir } from './cache.js'
import { checkComponentVersion, isComponent } from './header.js'
import { loadInstantiate } from './instance.js'
import { resolveEgress, type EgressOptions } from '../egress.js'
import { usesSyncCanonOnly } from './canon.js'
import { checkComponent } from './check.js'
import { SyncFetcher } from './fetch-sync.js'
import { prepareComponent } from './transpile.js'
import type { KeyvalueAccess } from './wasi/keyvalue.js'

export interface ComponentDriverOptions {
  /** Where transpiled components are cached (default: a private folder under the OS temp dir). */
  cacheDir?: string
  /** Where outgoing requests may go: the same policy as guest fetch (default: public only). */
  egress?: EgressOptions
}

/** The function's namespaces for wasi:keyvalue, reached the way WAGI's fnhost_kv reaches them. */
async function keyvalueAccess(spec: FunctionSpec): Promise<KeyvalueAccess> {
  const settings = spec.kv
  if (!settings) return {}
  return { grants: await kvGrantsFor(spec), blocking: () => threadBlockingKv(settings) }
}

/**
 * WebAssembly components exporting wasi:http/incoming-handler@0.2.x (`wasmtime serve`, Spin,
 * cargo-component, componentize-js, C through guests/c/fnhost_http.h), run through jco-transpile
 * with the host's own WASI 0.2 imports. Never @bytecodealliance/preview2-shim: it is not a sandbox.
 */
export function createComponentDriver(options: ComponentDriverOptions = {}): SandboxDriver {
  const cacheDir = options.cacheDir ?? defaultCacheDir()
  const outgoing = {
    fetcher: new SyncFetcher(options.egress),
    maxSubrequests: resolveEgress(options.egress).maxSubrequests,
  }
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
        checkComponentVersion(spec.source)
        const transpiled = await prepareComponent(spec.source, cacheDir)
        const cores = await compileCores(transpiled, spec.config.memoryMb)
        const run = await loadInstantiate(transpiled)
        const restorable = transpiled.glue && cores.restorable && usesSyncCanonOnly(spec.source)
        const keyvalue = await keyvalueAccess(spec)
        return new ComponentFunction(spec, run, cores, outgoing, restorable, keyvalue)
      } catch (e) {
        throw loadFailure(`function ${spec.name}`, e)
      }
    },
  }
}
