import { KvError, type KvErrorCode } from '../../kv/errors.js'
import type { BlockingKv } from '../../kv/blocking.js'
import type { KvGrants } from '../../kv/grants.js'
import type { GuestMemory } from './guest-memory.js'

/** The host import module a WAGI guest uses for the key-value store (guests/c/fnhost.h). */
export const KV_MODULE = 'fnhost_kv'

export const KV_SIGNATURES = {
  get: 'i32,i32,i32,i32,i32,i32->i32',
  put: 'i32,i32,i32,i32,i32,i32,i32->i32',
  delete: 'i32,i32,i32,i32->i32',
  incr: 'i32,i32,i32,i32,i64,i32->i32',
} as const

/** Return codes; keep in step with FNH_KV_* in guests/c/fnhost.h. */
export const KV_STATUS: Record<KvErrorCode | 'NOT_FOUND', number> = {
  NOT_FOUND: -1,
  KV_BAD_ARGUMENT: -2,
  KV_KEY_TOO_LARGE: -3,
  KV_VALUE_TOO_LARGE: -4,
  KV_QUOTA_EXCEEDED: -5,
  KV_NOT_A_NUMBER: -6,
  KV_NAMESPACE_DENIED: -7,
  KV_UNAVAILABLE: -8,
}

const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * `fnhost_kv` for one WAGI function: strings are (pointer, length) pairs in guest memory, every
 * call answers synchronously with a status (>= 0 success, FNH_KV_* < 0 failure) and never traps
 * on a bad argument. The namespace is '' (the function's own) or a shared name it was granted.
 * SQLite answers on this thread; an asynchronous backend (Redis) answers through the blocking
 * bridge (host/kv/blocking.ts), the guest thread waiting in Atomics.wait.
 */
export function kvImports(
  memory: () => GuestMemory,
  grants: KvGrants | undefined,
  blocking: (() => BlockingKv) | undefined,
): WebAssembly.ModuleImports {
  const text = (ptr: number, len: number) => {
    try {
      return decoder.decode(memory().bytes(ptr >>> 0, len >>> 0))
    } catch {
      throw new KvError('KV_BAD_ARGUMENT', 'a namespace or key is not valid UTF-8 in guest memory')
    }
  }
  const sync = (nsPtr: number, nsLen: number) => {
    if (!grants || !blocking)
      throw new KvError('KV_UNAVAILABLE', 'this host has no key-value store')
    return grants.syncNamed(text(nsPtr, nsLen), blocking)
  }
  const status = (fn: () => number): number => {
    try {
      return fn()
    } catch (e) {
      if (e instanceof KvError) return KV_STATUS[e.code]
      return KV_STATUS.KV_BAD_ARGUMENT
    }
  }
  return {
    /** Copies up to `cap` bytes of the value to `buf`; returns its full length or NOT_FOUND. */
    get: (nsPtr: number, nsLen: number, keyPtr: number, keyLen: number, buf: number, cap: number) =>
      status(() => {
        const value = sync(nsPtr, nsLen).get(text(keyPtr, keyLen))
        if (value === null) return KV_STATUS.NOT_FOUND
        memory().write(buf >>> 0, value.subarray(0, Math.min(value.length, cap >>> 0)))
        return value.length
      }),
    put: (
      nsPtr: number,
      nsLen: number,
      keyPtr: number,
      keyLen: number,
      valPtr: number,
      valLen: number,
      ttl: number,
    ) =>
      status(() => {
        const value = memory()
          .bytes(valPtr >>> 0, valLen >>> 0)
          .slice()
        sync(nsPtr, nsLen).put(text(keyPtr, keyLen), value, ttl > 0 ? { ttl } : undefined)
        return 0
      }),
    delete: (nsPtr: number, nsLen: number, keyPtr: number, keyLen: number) =>
      status(() => (sync(nsPtr, nsLen).delete(text(keyPtr, keyLen)) ? 1 : 0)),
    /** Adds `by`; writes the new value (i64) at `out`. */
    incr: (nsPtr: number, nsLen: number, keyPtr: number, keyLen: number, by: bigint, out: number) =>
      status(() => {
        const next = sync(nsPtr, nsLen).increment(text(keyPtr, keyLen), Number(by))
        memory().setU64(out >>> 0, BigInt.asUintN(64, BigInt(next)))
        return 0
      }),
  }
}
