import { concatBytes } from '../bytes.js'
import { FnhostError } from '../errors.js'

export function tooLarge(limit: number): FnhostError {
  return new FnhostError(
    'BODY_TOO_LARGE',
    `request body is larger than this function's limit of ${limit} bytes (config.maxBodyBytes)`,
  )
}

/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over the limit is refused
 * before a byte is read; a body without one is cut off as soon as it passes the limit.
 */
export async function readBody(
  req: Request,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | null> {
  const declared = req.headers.get('content-length')
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit)
  if (!req.body) return null
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = req.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => undefined)
      throw tooLarge(limit)
    }
    chunks.push(value)
  }
  return concatBytes(chunks)
}
