import type { KvBackend } from './types.js'

/**
 * A backend whose code loads on first use: the Redis client is a large library, and a host that
 * keeps its store in SQLite (the default) should not load it at start. Every call waits for the
 * backend; a failure to load fails the calls (and the dispose) instead of the host's start.
 */
export function lazyBackend(kind: string, open: () => Promise<KvBackend>): KvBackend {
  let backend: Promise<KvBackend> | undefined
  const ready = () => (backend ??= open())
  return {
    kind,
    get: async (ns, key) => (await ready()).get(ns, key),
    put: async (ns, key, value, options) => (await ready()).put(ns, key, value, options),
    delete: async (ns, key) => (await ready()).delete(ns, key),
    list: async (ns, options) => (await ready()).list(ns, options),
    increment: async (ns, key, by) => (await ready()).increment(ns, key, by),
    namespaces: async () => (await ready()).namespaces(),
    async [Symbol.asyncDispose]() {
      // Never opened: nothing to close (and no reason to load the library now).
      if (backend) await (await backend)[Symbol.asyncDispose]()
    },
  }
}
