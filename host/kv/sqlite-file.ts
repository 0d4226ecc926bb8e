import Database from 'better-sqlite3'
import { KvError } from './errors.js'
import { checkList, encodeCursor, incremented, prefixEnd, quotaError } from './limits.js'
import type { KvLimits, KvListOptions, KvListPage, KvNamespaceInfo } from './types.js'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  key BLOB PRIMARY KEY, value BLOB NOT NULL, expires INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires) WHERE expires IS NOT NULL;
CREATE TABLE IF NOT EXISTS usage (
  id INTEGER PRIMARY KEY CHECK (id = 0), ns TEXT NOT NULL, keys INTEGER NOT NULL, bytes INTEGER NOT NULL
);
`

interface ListParams {
  from: Buffer
  to: Buffer | null
  after: Buffer | null
  now: number
  limit: number
}

type Row = { value: Buffer; expires: number | null }
type Usage = { keys: number; bytes: number }

/**
 * One namespace's database file: WAL mode, `synchronous = FULL` (an acknowledged write survives a
 * crash, power loss included), and a usage row kept exact in the same transactions as the data,
 * so the quota is checked without a scan and never half-applied.
 */
export class NamespaceFile {
  readonly #db: Database
  readonly #q
  readonly #tx

  readonly ns: string

  /** `ns` undefined opens an existing file and reads its namespace from it. */
  constructor(
    file: string,
    ns: string | undefined,
    private readonly limits: KvLimits,
    busyTimeoutMs: number,
  ) {
    // SQLite's busy handler covers opening (the WAL switch, the schema); writes retry in the caller.
    const db = (this.#db = new Database(file, { timeout: busyTimeoutMs }))
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.exec(SCHEMA)
    if (ns !== undefined)
      db.prepare('INSERT OR IGNORE INTO usage (id, ns, keys, bytes) VALUES (0, ?, 0, 0)').run(ns)
    db.pragma('busy_timeout = 0')
    const q = (this.#q = {
      get: db.prepare<[Buffer, number], Row>(
        'SELECT value, expires FROM kv WHERE key = ? AND (expires IS NULL OR expires > ?)',
      ),
      size: db.prepare<[Buffer], { size: number }>(
        'SELECT length(key) + length(value) AS size FROM kv WHERE key = ?',
      ),
      upsert: db.prepare<[Buffer, Buffer, number | null]>(
        'INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) ' +
          'ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires',
      ),
      remove: db.prepare<[Buffer], { size: number }>(
        'DELETE FROM kv WHERE key = ? RETURNING length(key) + length(value) AS size',
      ),
      purge: db.prepare<[number], { size: number }>(
        'DELETE FROM kv WHERE expires IS NOT NULL AND expires <= ? ' +
          'RETURNING length(key) + length(value) AS size',
      ),
      usage: db.prepare<[], Usage & { ns: string }>('SELECT ns, keys, bytes FROM usage'),
      setUsage: db.prepare<[number, number]>('UPDATE usage SET keys = ?, bytes = ?'),
      list: db.prepare<[ListParams], { key: Buffer; expires: number | null }>(
        'SELECT key, expires FROM kv WHERE key >= @from AND (@to IS NULL OR key < @to) ' +
          'AND (@after IS NULL OR key > @after) AND (expires IS NULL OR expires > @now) ' +
          'ORDER BY key LIMIT @limit',
      ),
    })
    const stored = q.usage.get()?.ns
    if (stored === undefined || (ns !== undefined && stored !== ns))
      throw new KvError('KV_UNAVAILABLE', `the file for namespace ${ns} holds namespace ${stored}`)
    this.ns = stored
    this.#tx = {
      put: db.transaction((key: Buffer, value: Buffer, ttl: number | undefined) => {
        const now = Date.now()
        this.#write(key, value, ttl === undefined ? null : now + Math.round(ttl * 1000), now)
      }),
      delete: db.transaction((key: Buffer): boolean => {
        const usage = this.#usageAfterPurge(Date.now())
        const gone = q.remove.get(key)
        if (!gone) return false
        q.setUsage.run(usage.keys - 1, usage.bytes - gone.size)
        return true
      }),
      increment: db.transaction((key: Buffer, by: number): number => {
        const now = Date.now()
        const old = q.get.get(key, now)
        const next = incremented(old?.value ?? null, by)
        this.#write(key, Buffer.from(String(next)), old?.expires ?? null, now)
        return next
      }),
      info: db.transaction((): KvNamespaceInfo => {
        const { keys, bytes } = this.#usageAfterPurge(Date.now())
        return { name: this.ns, keys, bytes }
      }),
    }
  }

  /** Drops expired keys and returns the usage: every write starts here. */
  #usageAfterPurge(now: number): Usage {
    const usage = this.#q.usage.get() ?? { keys: 0, bytes: 0 }
    const purged = this.#q.purge.all(now)
    if (purged.length === 0) return usage
    const bytes = purged.reduce((sum: number, r) => sum + r.size, 0)
    const next = { keys: usage.keys - purged.length, bytes: usage.bytes - bytes }
    this.#q.setUsage.run(next.keys, next.bytes)
    return next
  }

  /** Writes a value, keeping usage exact and the quota whole; runs inside a transaction. */
  #write(key: Buffer, value: Buffer, expires: number | null, now: number): void {
    const usage = this.#usageAfterPurge(now)
    const old = this.#q.size.get(key)?.size
    const size = key.length + value.length
    const bytes = usage.bytes - (old ?? 0) + size
    // Shrinking is always allowed, so a namespace over a lowered quota can still recover.
    if (bytes > this.limits.quotaBytes && size > (old ?? 0))
      throw quotaError(usage.bytes, size - (old ?? 0), this.limits)
    this.#q.upsert.run(key, value, expires)
    this.#q.setUsage.run(usage.keys + (old === undefined ? 1 : 0), bytes)
  }

  get(key: Buffer): Uint8Array | null {
    return this.#q.get.get(key, Date.now())?.value ?? null
  }

  put(key: Buffer, value: Buffer, ttl: number | undefined): void {
    this.#tx.put.immediate(key, value, ttl)
  }

  delete(key: Buffer): boolean {
    return this.#tx.delete.immediate(key)
  }

  increment(key: Buffer, by: number): number {
    return this.#tx.increment.immediate(key, by)
  }

  info(): KvNamespaceInfo {
    return this.#tx.info.immediate()
  }

  list(options: KvListOptions | undefined): KvListPage {
    const { prefix, after, limit } = checkList(options, this.limits)
    const rows = this.#q.list.all({
      from: Buffer.from(prefix, 'utf8'),
      to: prefixEnd(prefix) ?? null,
      after: after === undefined ? null : Buffer.from(after, 'utf8'),
      now: Date.now(),
      limit: limit + 1,
    })
    const keys = rows.slice(0, limit).map((r) => ({
      name: r.key.toString('utf8'),
      ...(r.expires === null ? {} : { expiration: r.expires }),
    }))
    return rows.length > limit
      ? { keys, cursor: encodeCursor(keys[keys.length - 1]!.name), complete: false }
      : { keys, complete: true }
  }

  close(): void {
    this.#db.close()
  }
}
