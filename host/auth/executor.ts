import { timingSafeEqual } from 'node:crypto'
import { FnhostError } from '../errors.js'
import type { HeaderReader } from './token-header.js'

/** The header an Open Runtimes executor proves itself with. */
export const CHALLENGE_HEADER = 'x-internal-challenge'

/** Equal strings in time that does not depend on where they differ (only on the length of `b`). */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  // Compare against itself on a length mismatch so the time spent does not tell the length.
  return timingSafeEqual(x.length === y.length ? x : y, y) && x.length === y.length
}

/** Open Runtimes answers a failed challenge with 401 and the message `unauthorized`. */
export function checkChallenge(headers: HeaderReader, key: string): void {
  const given = headers.get(CHALLENGE_HEADER)
  if (given === null || !constantTimeEqual(given, key))
    throw new FnhostError('UNAUTHORIZED', 'unauthorized')
}

/** The executor's request body, unwrapped: what the function sees instead of it. */
export interface ExecutorCall {
  payload: Uint8Array<ArrayBuffer>
  env?: Record<string, string>
  timeoutS?: number
}

const EXECUTOR_KEYS = new Set(['env', 'payload', 'timeout'])

/**
 * The `{ env, payload, timeout }` body an Open Runtimes executor POSTs, or undefined when the body
 * is something else (then it reaches the function as it came).
 */
export function executorCall(body: Uint8Array): ExecutorCall | undefined {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder().decode(body))
  } catch {
    return undefined
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const keys = Object.keys(value)
  if (keys.length === 0 || !keys.every((k) => EXECUTOR_KEYS.has(k))) return undefined
  const { env, payload, timeout } = value as Record<string, unknown>
  const call: ExecutorCall = {
    payload: new TextEncoder().encode(
      payload === undefined || payload === null
        ? ''
        : typeof payload === 'string'
          ? payload
          : JSON.stringify(payload),
    ),
  }
  if (env !== undefined && env !== null) {
    if (typeof env !== 'object' || Array.isArray(env))
      throw new FnhostError('BAD_REQUEST', "the executor body's env must be an object of strings")
    const entries = Object.entries(env)
    if (!entries.every(([k, v]) => k !== '' && !/[=\0]/.test(k) && typeof v === 'string'))
      throw new FnhostError(
        'BAD_REQUEST',
        "the executor body's env must map names (no '=' or NUL) to strings",
      )
    call.env = Object.fromEntries(entries) as Record<string, string>
  }
  if (timeout !== undefined && timeout !== null) {
    if (typeof timeout !== 'number' || !(timeout > 0))
      throw new FnhostError(
        'BAD_REQUEST',
        "the executor body's timeout must be a positive number of seconds",
      )
    call.timeoutS = timeout
  }
  return call
}
