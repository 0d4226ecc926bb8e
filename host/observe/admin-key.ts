import { timingSafeEqual, createHash } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { devAccessRefusal } from '../loopback.js'
import { FnhostError } from '../errors.js'

/**
 * Guards a management endpoint with `Authorization: Bearer <FNHOST_ADMIN_KEY>`. Without a
 * configured key the endpoint does not exist (404), as the management API is off then.
 * `dev` (`fnhost serve --dev`, loopback only): a loopback, same-origin request needs no key.
 */
export function requireAdminKey(key: string | undefined, dev = false): MiddlewareHandler {
  const expected = key === undefined || key === '' ? undefined : digest(key)
  return async (c, next) => {
    const refusal = dev ? devAccessRefusal(c) : undefined
    if (dev && refusal === undefined) return next()
    if (!expected && refusal !== undefined) throw devRefused(refusal)
    if (!expected)
      throw new FnhostError(
        'FUNCTION_NOT_FOUND',
        `no host endpoint at ${c.req.path}: the management API is off until FNHOST_ADMIN_KEY is set`,
      )
    const header = c.req.header('authorization') ?? ''
    const match = /^Bearer +(.+)$/i.exec(header)
    if (!match || !timingSafeEqual(digest(match[1]!.trim()), expected))
      throw new FnhostError(
        'UNAUTHORIZED',
        'this endpoint needs Authorization: Bearer <FNHOST_ADMIN_KEY>',
        {
          headers: { 'www-authenticate': 'Bearer' },
        },
      )
    await next()
  }
}

/** Equal-length digests, so the comparison's time says nothing about the key's length. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/** A keyless `--dev` host refusing a request that is not from this machine's own pages. */
export function devRefused(reason: string): FnhostError {
  return new FnhostError(
    'FORBIDDEN',
    `fnhost serve --dev opens the management API only to same-origin requests over loopback (${reason})`,
  )
}
