import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { KvError, unavailable } from './errors.js'
import { checkList, encodeCursor, incremented, prefixEnd, quotaError } from './limits.js'
import type {
  KvLimits,
  KvListOptions,
  KvListPage,
  KvNamespaceInfo,
  KvPutOptions,
  KvSyncBackend,
} from './types.js'

export const SQLITE_FILE = 'kv.sqlite'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  ns TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, expires INTEGER,
  PRIMARY KEY (ns, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_expires ON kv (ns, expires) WHERE expires IS NOT NULL;
CREATE TABLE IF NOT EXISTS usage (
  ns TEXT PRIMARY KEY, keys INTEGER NOT NULL, bytes INTEGER NOT NULL
) WITHOUT ROWID;
`

interface SqliteOptions {
  /** The data folder; the database is one file in it. */
  dir: string
  limits: KvLimits
  /** How long a writer waits for another connection's write lock (ms). */
  busyTimeoutMs?: number
}

interface ListParams {
  ns: string
  from: Buffer
  to: Buffer | null
  after: Buffer | null
  now: number
  limit: number
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY')
}

type Row = { value: Buffer; expires: number | null }

/**
 * The embedded backend: one SQLite file for every namespace (see README "Key-value store" for
 * the measurement behind that), WAL mode, `synchronous = FULL` so an acknowledged write survives
 * a crash. Each thread opens its own connection; writes run in IMMEDIATE transactions, so
 * connections in other threads and processes serialize on SQLite's lock, never half-applied.
 */
export function openSqlite(options: SqliteOptions): KvSyncBackend {
  const { limits } = options
  mkdirSync(options.dir, { recursive: true, mode: 0o700 })
  const busyTimeoutMs = options.busyTimeoutMs ?? 30_000
  // SQLite's busy handler covers opening (WAL switch, schema); writes retry in guard() below.
  const db = new Database(join(options.dir, SQLITE_FILE), { timeout: busyTimeoutMs })
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec(SCHEMA)
  db.pragma('busy_timeout = 0')

  const q = {
    get: db.prepare<[string, Buffer, number], Row>(
      'SELECT value, expires FROM kv WHERE ns = ? AND key = ? AND (expires IS NULL OR expires > ?)',
    ),
    size: db.prepare<[string, Buffer], { size: number; expires: number | null; value: Buffer }>(
      'SELECT length(key) + length(value) AS size, expires, value FROM kv WHERE ns = ? AND key = ?',
    ),
    upsert: db.prepare<[string, Buffer, Buffer, number | null]>(
      'INSERT INTO kv (ns, key, value, expires) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires = excluded.expires',
    ),
    remove: db.prepare<[string, Buffer], { size: number }>(
      'DELETE FROM kv WHERE ns = ? AND key = ? RETURNING length(key) + length(value) AS size',
    ),
    purge: db.prepare<[string, number], { size: number }>(
      'DELETE FROM kv WHERE ns = ? AND expires IS NOT NULL AND expires <= ? ' +
        'RETURNING length(key) + length(value) AS size',
    ),
    usage: db.prepare<[string], { keys: number; bytes: number }>(
      'SELECT keys, bytes FROM usage WHERE ns = ?',
    ),
    setUsage: db.prepare<[string, number, number]>(
      'INSERT INTO usage (ns, keys, bytes) VALUES (?, ?, ?) ' +
        'ON CONFLICT (ns) DO UPDATE SET keys = excluded.keys, bytes = excluded.bytes',
    ),
    list: db.prepare<[ListParams], { key: Buffer; expires: number | null }>(
      'SELECT key, expires FROM kv WHERE ns = @ns AND key >= @from AND (@to IS NULL OR key < @to) ' +
        'AND (@after IS NULL OR key > @after) AND (expires IS NULL OR expires > @now) ' +
        'ORDER BY key LIMIT @limit',
    ),
    namespaces: db.prepare<[], KvNamespaceInfo>(
      'SELECT ns AS name, keys, bytes FROM usage WHERE keys > 0 ORDER BY ns',
    ),
    allExpired: db.prepare<[number], { ns: string }>(
      'SELECT DISTINCT ns FROM kv WHERE expires IS NOT NULL AND expires <= ?',
    ),
  }

  /** Drops a namespace's expired keys and returns its usage: every write starts here. */
  function usageAfterPurge(ns: string, now: number): { keys: number; bytes: number } {
    const usage = q.usage.get(ns) ?? { keys: 0, bytes: 0 }
    const purged = q.purge.all(ns, now)
    if (purged.length === 0) return usage
    const bytes = purged.reduce((sum, r) => sum + r.size, 0)
    const next = { keys: usage.keys - purged.length, bytes: usage.bytes - bytes }
    q.setUsage.run(ns, next.keys, next.bytes)
    return next
  }

  /** Writes a value, keeping usage exact and the quota whole; runs inside a transaction. */
  function write(
    ns: string,
    key: Buffer,
    value: Buffer,
    expires: number | null,
    now: number,
  ): void {
    const usage = usageAfterPurge(ns, now)
    const old = q.size.get(ns, key)
    const size = key.length + value.length
    const bytes = usage.bytes - (old?.size ?? 0) + size
    // Shrinking a value is always allowed, so a namespace over a lowered quota can still recover.
    if (bytes > limits.quotaBytes && size > (old?.size ?? 0))
      throw quotaError(usage.bytes, size - (old?.size ?? 0), limits)
    q.upsert.run(ns, key, value, expires)
    q.setUsage.run(ns, usage.keys + (old ? 0 : 1), bytes)
  }

  const tx = {
    put: db.transaction((ns: string, key: Buffer, value: Buffer, ttl: number | undefined) => {
      const now = Date.now()
      write(ns, key, value, ttl === undefined ? null : now + Math.round(ttl * 1000), now)
    }),
    delete: db.transaction((ns: string, key: Buffer): boolean => {
      const usage = usageAfterPurge(ns, Date.now())
      const gone = q.remove.get(ns, key)
      if (!gone) return false
      q.setUsage.run(ns, usage.keys - 1, usage.bytes - gone.size)
      return true
    }),
    increment: db.transaction((ns: string, key: Buffer, by: number): number => {
      const now = Date.now()
      const old = q.get.get(ns, key, now)
      const next = incremented(old?.value ?? null, by)
      write(ns, key, Buffer.from(String(next)), old?.expires ?? null, now)
      return next
    }),
    purgeAll: db.transaction(() => {
      const now = Date.now()
      for (const { ns } of q.allExpired.all(now)) usageAfterPurge(ns, now)
    }),
  }

  const k = (key: string) => Buffer.from(key, 'utf8')
  let closed = false
  const guard = <T>(fn: () => T): T => {
    if (closed) throw new KvError('KV_UNAVAILABLE', 'the key-value store was closed')
    const until = Date.now() + busyTimeoutMs
    for (;;) {
      try {
        return fn()
      } catch (e) {
        if (!isBusy(e) || Date.now() >= until) throw unavailable(e)
        // SQLite's own busy handler backs off to 100 ms sleeps, and a waiter that always wakes
        // to a held lock starves (measured: past 10 s with four writers on a loaded machine).
        // Short random sleeps give every writer its turn.
        Atomics.wait(sleeper, 0, 0, 0.2 + Math.random() * 2)
      }
    }
  }

  const sync = {
    get: (ns: string, key: string) => guard(() => q.get.get(ns, k(key), Date.now())?.value ?? null),
    put: (ns: string, key: string, value: Uint8Array, options?: KvPutOptions) =>
      guard(() => tx.put.immediate(ns, k(key), Buffer.from(value), options?.ttl)),
    delete: (ns: string, key: string) => guard(() => tx.delete.immediate(ns, k(key))),
    increment: (ns: string, key: string, by: number) =>
      guard(() => tx.increment.immediate(ns, k(key), by)),
    list: (ns: string, options?: KvListOptions): KvListPage =>
      guard(() => {
        const { prefix, after, limit } = checkList(options, limits)
        const rows = q.list.all({
          ns,
          from: k(prefix),
          to: prefixEnd(prefix) ?? null,
          after: after === undefined ? null : k(after),
          now: Date.now(),
          limit: limit + 1,
        })
        const more = rows.length > limit
        const keys = rows.slice(0, limit).map((r) => ({
          name: r.key.toString('utf8'),
          ...(r.expires === null ? {} : { expiration: r.expires }),
        }))
        return more
          ? { keys, cursor: encodeCursor(keys[keys.length - 1]!.name), complete: false }
          : { keys, complete: true }
      }),
  }

  return {
    kind: 'sqlite',
    sync,
    get: async (ns, key) => sync.get(ns, key),
    put: async (ns, key, value, options) => sync.put(ns, key, value, options),
    delete: async (ns, key) => sync.delete(ns, key),
    list: async (ns, options) => sync.list(ns, options),
    increment: async (ns, key, by) => sync.increment(ns, key, by),
    namespaces: async () =>
      guard(() => {
        tx.purgeAll.immediate()
        return q.namespaces.all()
      }),
    async [Symbol.asyncDispose]() {
      if (closed) return
      closed = true
      db.close()
    },
  }
}
