import type { Context } from 'hono'
import { FnhostError } from '../errors.js'
import { invocationLog, type Logger } from '../observe/log.js'
import type { Registry } from '../registry/registry.js'
import { PathError, pathSegments } from '../registry/routes.js'
import { readBody } from './body.js'

function allowedMethods(methods: string[]): string[] {
  return methods.includes('GET') && !methods.includes('HEAD') ? [...methods, 'HEAD'] : methods
}

/** Routes one request to its function: match, method filter, body limit, invoke under the deadline. */
export function dispatcher(registry: Registry, logger: Logger) {
  return async (c: Context): Promise<Response> => {
    const requestId = c.get('requestId') as string
    const url = new URL(c.req.url)
    let segments: string[]
    try {
      segments = pathSegments(url.pathname)
    } catch (e) {
      if (e instanceof PathError) throw new FnhostError('BAD_REQUEST', e.message)
      throw e
    }
    const match = registry.match(segments)
    if (!match) throw new FnhostError('FUNCTION_NOT_FOUND', `no function serves ${url.pathname}`)
    const slot = match.target
    const spec = slot.spec
    const fn = spec?.name ?? slot.name
    // Set at once, so a refused or failed request is still counted and logged under its function.
    c.set('fn', fn)
    let guestRequest = c.req.raw
    if (spec) {
      // Fail closed: a function marked private is never served without the JWT check that guards it.
      if (spec.config.private)
        throw new FnhostError(
          'UNAUTHORIZED',
          `${match.pattern} is a private function and this host has no JWT verification configured`,
          { headers: { 'www-authenticate': 'Bearer' } },
        )
      const allowed = allowedMethods(spec.config.methods)
      if (!allowed.includes(c.req.method)) {
        throw new FnhostError(
          'METHOD_NOT_ALLOWED',
          `${c.req.method} is not allowed on ${match.pattern}; allowed: ${allowed.join(', ')}`,
          { headers: { allow: allowed.join(', ') } },
        )
      }
      // A request without a body goes through as it came: building a second Request (and touching
      // the body stream) is the main thread's largest cost per request on the hot path.
      if (mayHaveBody(c)) {
        const body = await readBody(c.req.raw, spec.config.maxBodyBytes)
        guestRequest = new Request(url, { method: c.req.method, headers: c.req.raw.headers, body })
      }
    }
    const log = invocationLog(logger, { fn, requestId })
    const res = await slot.run(registry.loader, (f) =>
      f.invoke(guestRequest, {
        deadline: Date.now() + (spec?.config.timeoutMs ?? 0),
        signal: c.req.raw.signal,
        requestId,
        params: match.params,
        log,
      }),
    )
    return withRequestId(res, requestId)
  }
}

/**
 * Whether the request can carry a body: GET/HEAD never do; from the wire the headers say so; a
 * Request built in-process (app.request, embedding) may have a body and no length header at all.
 */
function mayHaveBody(c: Context): boolean {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return false
  if (c.req.header('transfer-encoding') !== undefined) return true
  const length = c.req.header('content-length')
  if (length !== undefined) return length !== '0'
  return c.req.raw.body !== null
}

/** Guest responses may carry immutable headers (e.g. a proxied fetch response): copy when needed. */
function withRequestId(res: Response, requestId: string): Response {
  try {
    res.headers.set('x-request-id', requestId)
    return res
  } catch {
    const copy = new Response(res.body, res)
    copy.headers.set('x-request-id', requestId)
    return copy
  }
}
