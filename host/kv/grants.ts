import type { BlockingKv } from './blocking.js'
import { KvError } from './errors.js'
import type { KvSettings } from './options.js'
import { kvBindings, SHARED_NAME } from './names.js'
import type { KvNamespace, KvStore, KvSyncCalls } from './store.js'

function denied(name: string): KvError {
  return new KvError(
    'KV_NAMESPACE_DENIED',
    `no KV namespace ${JSON.stringify(name.slice(0, 80))} is granted to this function; grant shared ones with config kv: ["name"]`,
  )
}

/**
 * The namespaces one function may touch, and nothing else: a guest names a binding (JS) or a
 * shared name (C), never a namespace, and anything not granted is refused.
 */
export class KvGrants {
  readonly bindings: Record<string, string>

  constructor(
    private readonly store: () => KvStore,
    functionName: string,
    granted: readonly string[] = [],
  ) {
    this.bindings = kvBindings(functionName, granted)
  }

  /** By binding name (`KV`, `KV_SESSIONS`). */
  binding(binding: string): KvNamespace {
    const ns = Object.hasOwn(this.bindings, binding) ? this.bindings[binding] : undefined
    if (ns === undefined) throw denied(binding)
    // Not cached: the thread's store may have been closed and reopened since (closeThreadKvStores).
    return this.store().namespace(ns)
  }

  /** By shared name ('' is the function's own namespace): the C SDK's form. */
  named(name: string): KvNamespace {
    if (name !== '' && !SHARED_NAME.test(name)) throw denied(name)
    return this.binding(name === '' ? 'KV' : `KV_${name.toUpperCase()}`)
  }

  /**
   * `named`, with calls that answer synchronously for a guest that cannot await (WAGI, components):
   * on this thread when the backend can (SQLite), else through the blocking bridge (Redis).
   */
  syncNamed(name: string, blocking: () => BlockingKv): KvSyncCalls {
    const ns = this.named(name)
    return ns.sync ?? ns.checked(blocking().namespace(ns.name))
  }
}

/** What grants need of a FunctionSpec (named structurally: host/types.ts imports from kv/). */
export interface KvSpec {
  name: string
  config: { kv?: readonly string[] }
  kv?: KvSettings
}

/**
 * The grants of a function whose host has a store (`spec.kv`), on this thread's connection. The
 * backends (and their client libraries) are imported here, on first need, so a worker whose
 * functions use no store never loads them.
 */
export async function kvGrantsFor(spec: KvSpec): Promise<KvGrants | undefined> {
  if (!spec.kv) return undefined
  const settings = spec.kv
  const { threadKvStore } = await import('./backends.js')
  // Opened on the first call, so a host whose functions never use KV creates no data folder.
  return new KvGrants(() => threadKvStore(settings), spec.name, spec.config.kv)
}
