/** One key as `list` reports it: its name and, when it has a TTL, when it expires (epoch ms). */
export interface KvKey {
  name: string
  expiration?: number
}

export interface KvListOptions {
  prefix?: string
  /** The `cursor` of the previous page: the listing continues after the last key it returned. */
  cursor?: string
  /** Keys per page, 1..1000 (default 1000). */
  limit?: number
}

export interface KvListPage {
  keys: KvKey[]
  /** Present when more keys may follow: pass it back as `cursor`. */
  cursor?: string
  complete: boolean
}

export interface KvPutOptions {
  /** Seconds until the key expires (>= 1); absent: never. */
  ttl?: number
}

export interface KvNamespaceInfo {
  name: string
  keys: number
  /** Bytes counted against the quota: key and value lengths of every live key. */
  bytes: number
}

/** Limits every backend enforces the same way (fnhost.json `kv.limits`). */
export interface KvLimits {
  maxKeyBytes: number
  maxValueBytes: number
  /** Bytes (keys + values) one namespace may hold. */
  quotaBytes: number
}

/**
 * A storage backend. Calls are atomic: a write that fails (a limit, a full quota) changes nothing,
 * and a write is durable (as far as the backend is configured to be) once its promise resolves.
 * Arguments arrive checked (see limits.ts); backends only enforce the quota, which needs their state.
 */
export interface KvBackend extends AsyncDisposable {
  readonly kind: string
  get(ns: string, key: string): Promise<Uint8Array | null>
  put(ns: string, key: string, value: Uint8Array, options?: KvPutOptions): Promise<void>
  /** True when the key existed. */
  delete(ns: string, key: string): Promise<boolean>
  list(ns: string, options?: KvListOptions): Promise<KvListPage>
  /** Adds `by` to the decimal integer stored at `key` (absent: 0) and returns the new value. */
  increment(ns: string, key: string, by: number): Promise<number>
  namespaces(): Promise<KvNamespaceInfo[]>
}

/**
 * A backend that can also answer synchronously on the calling thread (SQLite): the WAGI import
 * and the QuickJS hostcall use it without a bridge.
 */
export interface KvSyncBackend extends KvBackend {
  readonly sync: {
    get(ns: string, key: string): Uint8Array | null
    put(ns: string, key: string, value: Uint8Array, options?: KvPutOptions): void
    delete(ns: string, key: string): boolean
    list(ns: string, options?: KvListOptions): KvListPage
    increment(ns: string, key: string, by: number): number
  }
}
