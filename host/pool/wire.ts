import { FnhostError, isFnhostError } from '../errors.js'
import type { WireError, WireRequest, WireResponseHead } from './protocol.js'

/** Bodies up to this size are copied across threads, so a request can be retried on another worker. */
export const RETRY_BODY_BYTES = 64 * 1024

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304])

/** The request as plain data; `transfer` lists buffers moved (not copied) to the worker. */
export async function requestToWire(
  req: Request,
): Promise<{ wire: WireRequest; transfer: ArrayBuffer[]; retryable: boolean }> {
  const body = req.body ? await req.arrayBuffer() : null
  const wire = { method: req.method, url: req.url, headers: [...req.headers], body }
  if (body && body.byteLength > RETRY_BODY_BYTES)
    return { wire, transfer: [body], retryable: false }
  return { wire, transfer: [], retryable: true }
}

/**
 * Drivers take the abort signal from InvokeOptions; a Request of its own would cost another
 * AbortSignal per invocation (the dearest part of crossing here), so it has none.
 */
export function requestFromWire(wire: WireRequest): Request {
  const bodyless = wire.method === 'GET' || wire.method === 'HEAD'
  return new Request(wire.url, {
    method: wire.method,
    headers: wire.headers,
    body: bodyless ? null : wire.body,
  })
}

export function headToWire(res: Response): WireResponseHead {
  return { status: res.status, statusText: res.statusText, headers: [...res.headers] }
}

export function responseFromWire(
  head: WireResponseHead,
  body: ArrayBuffer | ReadableStream<Uint8Array> | null,
): Response {
  return new Response(NULL_BODY_STATUS.has(head.status) ? null : body, {
    status: head.status,
    statusText: head.statusText,
    headers: head.headers,
  })
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

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e)
}
