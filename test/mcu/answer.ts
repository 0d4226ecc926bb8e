import { errorResponse, FnhostError } from '../../host/errors.js'
import type { LoadedFunction } from '../../host/sandbox/types.js'
import { invokeHttp } from '../helpers/invoke.js'
import { invokeOptions } from '../helpers/wasm.js'

/** One answer as the wire would carry it, plus what the guest logged. */
export interface Answer {
  status: number
  headers: [string, string][]
  body: string
  logs: string[]
  /** The wasm frames the in-process driver attaches to a trap (no device has them). */
  guestStack?: string
}

export const REQUEST_ID = 'corpus-request'

/**
 * Runs one request and returns its answer; failures become the host's error response for a
 * fixed request id, so two targets' answers compare byte for byte (the body as base64).
 */
export async function answer(
  fn: LoadedFunction,
  req: Request,
  deadlineMs = 60_000,
): Promise<Answer> {
  const { opts, lines } = invokeOptions({
    requestId: REQUEST_ID,
    deadline: Date.now() + deadlineMs,
  })
  let res: Response
  let guestStack: string | undefined
  try {
    res = await invokeHttp(fn, req, opts)
  } catch (e) {
    if (!(e instanceof FnhostError)) throw e
    guestStack = e.guestStack
    res = errorResponse(new FnhostError(e.code, e.message, { headers: e.headers }), REQUEST_ID)
  }
  const headers: [string, string][] = []
  res.headers.forEach((v, k) => headers.push([k, v]))
  const body = Buffer.from(await res.arrayBuffer()).toString('base64')
  return {
    status: res.status,
    headers,
    body,
    logs: lines.map((l) => `${l.level} ${l.message}`),
    guestStack,
  }
}
