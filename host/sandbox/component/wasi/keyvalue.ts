import type { BlockingKv } from '../../../kv/blocking.js'
import { KvError } from '../../../kv/errors.js'
import type { KvGrants } from '../../../kv/grants.js'
import { failure } from '../../../kv/ops.js'
import type { KvSyncCalls } from '../../../kv/store.js'
import { err, ok, type Result } from './io.js'

/** wasi:keyvalue/store's `error` variant. */
export type KeyvalueError =
  { tag: 'no-such-store' } | { tag: 'access-denied' } | { tag: 'other'; val: string }

/** What one function's buckets reach: its grants, and the bridge for an asynchronous backend. */
export interface KeyvalueAccess {
  /** Absent when the host runs without a store (`kv: false`). */
  grants?: KvGrants
  blocking?: () => BlockingKv
}

/**
 * A denied namespace is `access-denied` (whether or not it exists); every other failure is
 * `other`, its text starting with the KV code the other guests see (`KV_QUOTA_EXCEEDED: ...`).
 */
function witError(e: unknown): KeyvalueError {
  if (e instanceof KvError && e.code === 'KV_NAMESPACE_DENIED') return { tag: 'access-denied' }
  const { code, message } = failure(e)
  return { tag: 'other', val: `${code}: ${message}` }
}

function attempt<T>(fn: () => T): Result<T, KeyvalueError> {
  try {
    return ok(fn())
  } catch (e) {
    return err(witError(e))
  }
}

/**
 * list-keys cursors a bucket keeps: wasi:keyvalue's are u64, the store's are strings, so a bucket
 * numbers the ones it hands out. Paging walks forward, so the newest few suffice; older ones are
 * forgotten, which keeps a bucket held by a shared instance from growing without bound.
 */
const LIVE_CURSORS = 64

/**
 * A bucket: the identifier it was opened with, resolved through the function's grants again on
 * every call (a thread's store may be closed and reopened between requests, and a bucket kept by
 * a shared instance outlives the request that opened it).
 */
export class Bucket {
  readonly #name: string
  readonly #access: KeyvalueAccess
  readonly #cursors = new Map<bigint, string>()
  #lastCursor = 0n

  constructor(name: string, access: KeyvalueAccess) {
    this.#name = name
    this.#access = access
  }

  /** The bucket's calls; throws a KvError the guest sees. */
  static calls(bucket: Bucket): KvSyncCalls {
    // jco makes an empty Bucket for a handle it has no object for.
    if (!(#name in bucket)) throw new KvError('KV_BAD_ARGUMENT', 'not a bucket this host opened')
    return resolve(bucket.#access, bucket.#name)
  }

  get(key: string): Result<Uint8Array | undefined, KeyvalueError> {
    return attempt(() => Bucket.calls(this).get(key) ?? undefined)
  }

  set(key: string, value: Uint8Array): Result<undefined, KeyvalueError> {
    return attempt(() => {
      Bucket.calls(this).put(key, value)
      return undefined
    })
  }

  delete(key: string): Result<undefined, KeyvalueError> {
    return attempt(() => {
      Bucket.calls(this).delete(key)
      return undefined
    })
  }

  exists(key: string): Result<boolean, KeyvalueError> {
    return attempt(() => Bucket.calls(this).get(key) !== null)
  }

  listKeys(
    cursor: bigint | undefined,
  ): Result<{ keys: string[]; cursor: bigint | undefined }, KeyvalueError> {
    return attempt(() => {
      const calls = Bucket.calls(this)
      let after: string | undefined
      if (cursor !== undefined) {
        after = this.#cursors.get(cursor)
        if (after === undefined)
          throw new KvError(
            'KV_BAD_ARGUMENT',
            'cursor is not one of the last list-keys answers of this bucket',
          )
      }
      const page = calls.list({ cursor: after })
      const keys = page.keys.map((k) => k.name)
      if (page.complete || page.cursor === undefined) return { keys, cursor: undefined }
      const next = ++this.#lastCursor
      this.#cursors.set(next, page.cursor)
      // Maps iterate in insertion order: the first key is the oldest cursor.
      if (this.#cursors.size > LIVE_CURSORS)
        this.#cursors.delete(this.#cursors.keys().next().value!)
      return { keys, cursor: next }
    })
  }
}

function resolve(access: KeyvalueAccess, name: string): KvSyncCalls {
  if (!access.grants || !access.blocking)
    throw new KvError('KV_UNAVAILABLE', 'this host has no key-value store')
  return access.grants.syncNamed(name, access.blocking)
}

/** Increments past this cannot be told apart by the store, which keeps safe integers. */
const MAX_DELTA = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * wasi:keyvalue/store, atomics and batch@0.2.0-draft for one function. A bucket identifier is
 * what the C SDK names: '' for the function's own namespace, or a shared name its config grants;
 * anything else is `access-denied`, never another function's data.
 */
export function keyvalueImports(access: KeyvalueAccess): Record<string, Record<string, unknown>> {
  return {
    'wasi:keyvalue/store': {
      Bucket,
      open: (identifier: string): Result<Bucket, KeyvalueError> =>
        attempt(() => {
          resolve(access, identifier)
          return new Bucket(identifier, access)
        }),
    },
    'wasi:keyvalue/atomics': {
      increment: (bucket: Bucket, key: string, delta: bigint): Result<bigint, KeyvalueError> =>
        attempt(() => {
          if (delta > MAX_DELTA)
            throw new KvError('KV_BAD_ARGUMENT', `increment takes a delta up to ${MAX_DELTA}`)
          const next = Bucket.calls(bucket).increment(key, Number(delta))
          if (next < 0)
            throw new KvError(
              'KV_NOT_A_NUMBER',
              `the key now holds ${next}, which a u64 cannot carry (a JS or C guest stored a negative number)`,
            )
          return BigInt(next)
        }),
    },
    'wasi:keyvalue/batch': {
      getMany: (
        bucket: Bucket,
        keys: string[],
      ): Result<([string, Uint8Array] | undefined)[], KeyvalueError> =>
        attempt(() => {
          const calls = Bucket.calls(bucket)
          return keys.map((key) => {
            const value = calls.get(key)
            return value === null ? undefined : [key, value]
          })
        }),
      setMany: (bucket: Bucket, pairs: [string, Uint8Array][]): Result<undefined, KeyvalueError> =>
        attempt(() => {
          const calls = Bucket.calls(bucket)
          for (const [key, value] of pairs) calls.put(key, value)
          return undefined
        }),
      deleteMany: (bucket: Bucket, keys: string[]): Result<undefined, KeyvalueError> =>
        attempt(() => {
          const calls = Bucket.calls(bucket)
          for (const key of keys) calls.delete(key)
          return undefined
        }),
    },
  }
}
