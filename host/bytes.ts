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
 * SHA-256 of `bytes`, computed off the calling thread (WebCrypto runs digests on libuv's pool):
 * hashing a function file of tens of megabytes synchronously would stall the event loop.
 */
export async function digestOffThread(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
}
