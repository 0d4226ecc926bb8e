import { randomUUID } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { requestParts } from './incoming.js'

const HEADER = 'x-request-id'
const MAX_LENGTH = 128
const SAFE = /^[\w\-=]+$/

type RequestIdEnv = { Variables: { requestId: string; fn: string } }

/**
 * Every request's id: the caller's `X-Request-Id` when it is short and plain, else a new UUID,
 * echoed in the answer. A function's answer and an error carry it already (toWebResponse,
 * errorResponse); the host's own endpoints get it here. Reads the header through the request's
 * parts, not Hono's `c.req.header`, which would build an undici Headers per request.
 */
export function requestIds(): MiddlewareHandler<RequestIdEnv> {
  return async (c, next) => {
    const given = requestParts(c).get(HEADER)
    const id = given && given.length <= MAX_LENGTH && SAFE.test(given) ? given : randomUUID()
    c.set('requestId', id)
    await next()
    if (c.get('fn') === undefined && !c.res.headers.has(HEADER)) c.header(HEADER, id)
  }
}
