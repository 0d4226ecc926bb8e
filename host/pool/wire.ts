import { FnhostError, isFnhostError } from '../errors.js'
import type { Invocation } from '../invocation.js'
import type { WireError } from './protocol.js'

/** Bodies up to this size are copied across threads, so a request can be retried on another worker. */
export const RETRY_BODY_BYTES = 64 * 1024

/** Whether an invocation's body is small enough to copy (and so to run again after a lost worker). */
export function retryable(inv: Invocation): boolean {
  return inv.type !== 'http' || inv.body === null || inv.body.byteLength <= RETRY_BODY_BYTES
}

/** A buffer that can be moved across threads: the chunk's own buffer when it owns all of it. */
export function ownedBuffer(chunk: Uint8Array): ArrayBuffer {
  const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
  if (whole && chunk.buffer instanceof ArrayBuffer) return chunk.buffer
  return chunk.slice().buffer
}

export function errorToWire(e: unknown): WireError {
  if (isFnhostError(e)) {
    const wire: WireError = { code: e.code, message: e.message }
    if (e.guestStack !== undefined) wire.guestStack = e.guestStack
    if (e.retryAfterS !== undefined) wire.retryAfterS = e.retryAfterS
    if (e.headers !== undefined) wire.headers = e.headers
    if (e.cause !== undefined) wire.cause = describe(e.cause)
    return wire
  }
  return {
    code: 'INTERNAL_ERROR',
    message: 'internal error in the function host',
    cause: describe(e),
  }
}

export function errorFromWire(wire: WireError): FnhostError {
  return new FnhostError(wire.code, wire.message, {
    guestStack: wire.guestStack,
    retryAfterS: wire.retryAfterS,
    headers: wire.headers,
    cause: wire.cause === undefined ? undefined : new Error(wire.cause),
  })
}

export function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e)
}
