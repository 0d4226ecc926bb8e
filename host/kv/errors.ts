/** Why a KV call failed; stable, shown to guests and the management API. */
export const KV_ERROR_CODES = [
  'KV_BAD_ARGUMENT',
  'KV_KEY_TOO_LARGE',
  'KV_VALUE_TOO_LARGE',
  'KV_QUOTA_EXCEEDED',
  'KV_NOT_A_NUMBER',
  'KV_NAMESPACE_DENIED',
  'KV_UNAVAILABLE',
] as const

export type KvErrorCode = (typeof KV_ERROR_CODES)[number]

export class KvError extends Error {
  override readonly name = 'KvError'
  constructor(
    readonly code: KvErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export function isKvErrorCode(s: string): s is KvErrorCode {
  return (KV_ERROR_CODES as readonly string[]).includes(s)
}

/** A backend failure that is not the caller's fault, with nothing of the host in its message. */
export function unavailable(e: unknown): KvError {
  if (e instanceof KvError) return e
  return new KvError('KV_UNAVAILABLE', 'the key-value store is unavailable; try again', {
    cause: e,
  })
}
