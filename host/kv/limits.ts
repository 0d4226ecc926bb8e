import { KvError } from './errors.js'
import type { KvLimits, KvListOptions, KvPutOptions } from './types.js'

export const KV_LIMIT_DEFAULTS: KvLimits = {
  maxKeyBytes: 1024,
  maxValueBytes: 1024 * 1024,
  quotaBytes: 100 * 1024 * 1024,
}

export const MAX_LIST_LIMIT = 1000
/** Ten years: a longer TTL is almost certainly a unit mistake (ms for s). */
export const MAX_TTL_S = 10 * 365 * 24 * 3600

const encoder = new TextEncoder()

export function keyBytes(key: string): number {
  return encoder.encode(key).length
}

/** Checks a key: a non-empty string of at most `maxKeyBytes` UTF-8 bytes. */
export function checkKey(key: unknown, limits: KvLimits): string {
  if (typeof key !== 'string' || key.length === 0)
    throw new KvError('KV_BAD_ARGUMENT', 'a key is a non-empty string')
  const size = keyBytes(key)
  if (size > limits.maxKeyBytes)
    throw new KvError(
      'KV_KEY_TOO_LARGE',
      `key is ${size} bytes; the limit is ${limits.maxKeyBytes} bytes (UTF-8)`,
    )
  return key
}

export function checkValue(value: Uint8Array, limits: KvLimits): Uint8Array {
  if (value.length > limits.maxValueBytes)
    throw new KvError(
      'KV_VALUE_TOO_LARGE',
      `value is ${value.length} bytes; the limit is ${limits.maxValueBytes} bytes`,
    )
  return value
}

export function checkPutOptions(options: KvPutOptions | undefined): KvPutOptions {
  const ttl = options?.ttl
  if (ttl === undefined) return {}
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 1 || ttl > MAX_TTL_S)
    throw new KvError('KV_BAD_ARGUMENT', `ttl is in seconds, from 1 to ${MAX_TTL_S}`)
  return { ttl }
}

export function checkIncrement(by: unknown): number {
  if (typeof by !== 'number' || !Number.isSafeInteger(by))
    throw new KvError('KV_BAD_ARGUMENT', 'increment takes a safe integer')
  return by
}

/** The new value of an increment, or the error when the stored value is no integer. */
export function incremented(stored: Uint8Array | string | null, by: number): number {
  const text = stored === null ? '0' : typeof stored === 'string' ? stored : decodeText(stored)
  if (!/^-?\d{1,16}$/.test(text))
    throw new KvError('KV_NOT_A_NUMBER', 'the stored value is not a decimal integer')
  const next = Number(text) + by
  if (!Number.isSafeInteger(next))
    throw new KvError('KV_BAD_ARGUMENT', 'the result is outside the safe integer range')
  return next
}

function decodeText(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes)
}

export interface ListQuery {
  prefix: string
  /** List keys strictly after this one. */
  after: string | undefined
  limit: number
}

/** Cursors are the last key returned, base64url-encoded: opaque to callers, stable across backends. */
export function encodeCursor(lastKey: string): string {
  return Buffer.from(lastKey, 'utf8').toString('base64url')
}

export function checkList(options: KvListOptions | undefined, limits: KvLimits): ListQuery {
  const prefix = options?.prefix ?? ''
  if (typeof prefix !== 'string') throw new KvError('KV_BAD_ARGUMENT', 'prefix is a string')
  if (keyBytes(prefix) > limits.maxKeyBytes)
    throw new KvError(
      'KV_KEY_TOO_LARGE',
      `prefix is longer than the ${limits.maxKeyBytes}-byte key limit`,
    )
  const limit = options?.limit ?? MAX_LIST_LIMIT
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
    throw new KvError('KV_BAD_ARGUMENT', `limit is an integer from 1 to ${MAX_LIST_LIMIT}`)
  let after: string | undefined
  if (options?.cursor !== undefined && options.cursor !== '') {
    if (typeof options.cursor !== 'string' || !/^[A-Za-z0-9_-]*$/.test(options.cursor))
      throw new KvError('KV_BAD_ARGUMENT', 'cursor is not one a list call returned')
    after = Buffer.from(options.cursor, 'base64url').toString('utf8')
  }
  return { prefix, after, limit }
}

/**
 * The smallest byte string greater than every key starting with `prefix` (undefined: no bound).
 * Both backends order keys by their UTF-8 bytes, so ranges and cursors agree between them.
 */
export function prefixEnd(prefix: string): Buffer | undefined {
  const bytes = Buffer.from(prefix, 'utf8')
  // UTF-8 never holds 0xff, so the last byte can always be incremented.
  if (bytes.length === 0) return undefined
  bytes[bytes.length - 1]! += 1
  return bytes
}

export function quotaError(used: number, adding: number, limits: KvLimits): KvError {
  return new KvError(
    'KV_QUOTA_EXCEEDED',
    `the namespace holds ${used} bytes; adding ${adding} would pass its ${limits.quotaBytes}-byte quota`,
  )
}
