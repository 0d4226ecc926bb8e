import type { KvSettings } from './options.js'
import { lazyBackend } from './lazy-backend.js'
import { openSqlite } from './sqlite.js'
import { KvStore } from './store.js'
import type { KvBackend } from './types.js'

/** The record of backends: one opener each, from plain settings. */
export const kvBackends: {
  [K in KvSettings['backend']]: (settings: Extract<KvSettings, { backend: K }>) => KvBackend
} = {
  sqlite: (s) => openSqlite({ dir: s.dir, limits: s.limits }),
  redis: (s) =>
    lazyBackend('redis', async () =>
      (await import('./redis.js')).openRedis({
        url: s.url,
        keyPrefix: s.keyPrefix,
        limits: s.limits,
      }),
    ),
}

export function openKvStore(settings: KvSettings): KvStore {
  const open = kvBackends[settings.backend] as (s: KvSettings) => KvBackend
  return new KvStore(open(settings), settings.limits)
}

const perThread = new Map<string, KvStore>()

/**
 * This thread's store for these settings, opened on first use: every worker thread holds its own
 * connection (SQLite handles are per thread) and keeps it for its life.
 */
export function threadKvStore(settings: KvSettings): KvStore {
  const id = JSON.stringify(settings)
  let store = perThread.get(id)
  if (!store) perThread.set(id, (store = openKvStore(settings)))
  return store
}

/**
 * Closes this thread's stores: a thread that ends on its own (the main thread of `fnhost serve`
 * or a bench) calls it, since an open Redis connection would keep it alive. Worker threads need
 * not: their connections end with them.
 */
export async function closeThreadKvStores(): Promise<void> {
  const stores = [...perThread.values()]
  perThread.clear()
  for (const s of stores) await s[Symbol.asyncDispose]()
}
