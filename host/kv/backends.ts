import type { KvSettings } from './options.js'
import { openRedis } from './redis.js'
import { openSqlite } from './sqlite.js'
import { KvStore } from './store.js'
import type { KvBackend } from './types.js'

/** The record of backends: one opener each, from plain settings. */
export const kvBackends: {
  [K in KvSettings['backend']]: (settings: Extract<KvSettings, { backend: K }>) => KvBackend
} = {
  sqlite: (s) => openSqlite({ dir: s.dir, limits: s.limits }),
  redis: (s) => openRedis({ url: s.url, keyPrefix: s.keyPrefix, limits: s.limits }),
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
