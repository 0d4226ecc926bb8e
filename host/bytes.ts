import { createHash } from 'node:crypto'

/** Joins byte chunks (typed arrays or plain arrays of bytes) into one fresh buffer. */
export function concatBytes(parts: readonly ArrayLike<number>[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/**
 * Up to this size a digest is computed on the calling thread: it takes microseconds, less than
 * the trip to libuv's pool and back (and WebCrypto's first use, which loads its modules, on a
 * starting host's way to its first answer).
 */
const INLINE_DIGEST_BYTES = 64 * 1024

/**
 * SHA-256 of `bytes`; past INLINE_DIGEST_BYTES computed off the calling thread (WebCrypto runs
 * digests on libuv's pool): hashing a function file of tens of megabytes synchronously would
 * stall the event loop.
 */
export async function digestBytes(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes.byteLength <= INLINE_DIGEST_BYTES)
    return new Uint8Array(createHash('sha256').update(bytes).digest())
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
}
