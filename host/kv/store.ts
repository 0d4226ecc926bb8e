import { checkIncrement, checkKey, checkList, checkPutOptions, checkValue } from './limits.js'
import type {
  KvBackend,
  KvLimits,
  KvListOptions,
  KvListPage,
  KvPutOptions,
  KvSyncBackend,
} from './types.js'

/** What a value may be on the way in: text is stored as UTF-8. */
export type KvValue = string | Uint8Array

const encoder = new TextEncoder()

export function valueBytes(value: KvValue): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value
}

/**
 * One namespace of a backend, with every argument checked against the limits before the backend
 * sees it: the same errors whichever backend runs underneath.
 */
export class KvNamespace {
  constructor(
    readonly name: string,
    private readonly backend: KvBackend,
    private readonly limits: KvLimits,
  ) {}

  async get(key: string): Promise<Uint8Array | null> {
    return this.backend.get(this.name, checkKey(key, this.limits))
  }

  async put(key: string, value: KvValue, options?: KvPutOptions): Promise<void> {
    return this.backend.put(
      this.name,
      checkKey(key, this.limits),
      checkValue(valueBytes(value), this.limits),
      checkPutOptions(options),
    )
  }

  async delete(key: string): Promise<boolean> {
    return this.backend.delete(this.name, checkKey(key, this.limits))
  }

  async list(options?: KvListOptions) {
    checkList(options, this.limits)
    return await this.backend.list(this.name, options)
  }

  async increment(key: string, by = 1): Promise<number> {
    return this.backend.increment(this.name, checkKey(key, this.limits), checkIncrement(by))
  }

  /** The same calls answered on this thread, when the backend can (SQLite). */
  get sync() {
    const backend = this.backend as Partial<KvSyncBackend>
    if (!backend.sync) return undefined
    const { sync } = backend
    const { name } = this
    return this.checked({
      get: (key) => sync.get(name, key),
      put: (key, value, options) => sync.put(name, key, value, options),
      delete: (key) => sync.delete(name, key),
      list: (options) => sync.list(name, options),
      increment: (key, by) => sync.increment(name, key, by),
    })
  }

  /** Synchronous calls of this namespace, their arguments checked against the limits first. */
  checked(raw: RawSyncCalls) {
    const { limits } = this
    return {
      get: (key: string) => raw.get(checkKey(key, limits)),
      put: (key: string, value: KvValue, options?: KvPutOptions) =>
        raw.put(
          checkKey(key, limits),
          checkValue(valueBytes(value), limits),
          checkPutOptions(options),
        ),
      delete: (key: string) => raw.delete(checkKey(key, limits)),
      list: (options?: KvListOptions) => {
        checkList(options, limits)
        return raw.list(options)
      },
      increment: (key: string, by = 1) => raw.increment(checkKey(key, limits), checkIncrement(by)),
    }
  }
}

/** One namespace's synchronous calls, their arguments checked against the limits. */
export type KvSyncCalls = ReturnType<KvNamespace['checked']>

/** One namespace's synchronous calls, unchecked (a sync backend, or the blocking bridge). */
export interface RawSyncCalls {
  get(key: string): Uint8Array | null
  put(key: string, value: Uint8Array, options: KvPutOptions): void
  delete(key: string): boolean
  list(options?: KvListOptions): KvListPage
  increment(key: string, by: number): number
}

/** A backend plus its limits: hands out checked namespaces. */
export class KvStore implements AsyncDisposable {
  constructor(
    readonly backend: KvBackend,
    readonly limits: KvLimits,
  ) {}

  namespace(name: string): KvNamespace {
    return new KvNamespace(name, this.backend, this.limits)
  }

  namespaces() {
    return this.backend.namespaces()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.backend[Symbol.asyncDispose]()
  }
}
