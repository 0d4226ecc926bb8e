import { KvError } from './errors.js'
import type { KvNamespace, KvStore } from './store.js'

/** Shared namespace names: lower-case identifiers, so `KV_<NAME>` bindings never collide. */
export const SHARED_NAME = /^[a-z][a-z0-9_]{0,62}$/

export const ownNamespace = (functionName: string) => `fn:${functionName}`
export const sharedNamespace = (name: string) => `shared:${name}`

/** Binding name -> namespace: `KV` is the function's own, `KV_<NAME>` each granted shared one. */
export function kvBindings(
  functionName: string,
  granted: readonly string[] = [],
): Record<string, string> {
  const out: Record<string, string> = { KV: ownNamespace(functionName) }
  for (const name of granted) out[`KV_${name.toUpperCase()}`] = sharedNamespace(name)
  return out
}

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
  #open = new Map<string, KvNamespace>()

  constructor(
    private readonly store: KvStore,
    functionName: string,
    granted: readonly string[] = [],
  ) {
    this.bindings = kvBindings(functionName, granted)
  }

  /** By binding name (`KV`, `KV_SESSIONS`). */
  binding(binding: string): KvNamespace {
    const ns = Object.hasOwn(this.bindings, binding) ? this.bindings[binding] : undefined
    if (ns === undefined) throw denied(binding)
    let open = this.#open.get(ns)
    if (!open) this.#open.set(ns, (open = this.store.namespace(ns)))
    return open
  }

  /** By shared name ('' is the function's own namespace): the C SDK's form. */
  named(name: string): KvNamespace {
    if (name !== '' && !SHARED_NAME.test(name)) throw denied(name)
    return this.binding(name === '' ? 'KV' : `KV_${name.toUpperCase()}`)
  }
}
