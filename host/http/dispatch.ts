import type { Context } from 'hono'
import { closedGate, type Gate } from '../auth/gate.js'
import { FnhostError } from '../errors.js'
import type { GuestResponse, HttpInvocation } from '../invocation.js'
import { invocationLog, type Logger } from '../observe/log.js'
import type { Registry } from '../registry/registry.js'
import { toWebResponse } from '../response.js'
import { clientAddress, clientSignal } from './client.js'
import { requestParts, webParts, type RequestParts } from './incoming.js'

function allowedMethods(methods: string[]): string[] {
  return methods.includes('GET') && !methods.includes('HEAD') ? [...methods, 'HEAD'] : methods
}

/** What dispatch needs of the request beyond the Web Request itself. */
export interface DispatchContext {
  requestId: string
  clientAddress?: string
  logger: Logger
  /** Who may call what: private functions, the Open Runtimes challenge (default: fail closed). */
  gate?: Gate
  /** W3C trace context for the guest (validated or started by the observe middleware). */
  traceparent?: string
  /** Set once the request is matched, for the access log. */
  onMatch?: (fn: string) => void
  /** Aborted when the client goes away (default: the Request's own signal). */
  signal?: AbortSignal
  /** The request's headers and body (default: the Web Request's). */
  parts?: RequestParts
}

/**
 * The one path from a request to a function, for `fnhost serve` and `fnhost invoke` alike: match,
 * the gate (token or challenge), method filter, body limit, then the function under its deadline.
 */
export async function dispatch(
  registry: Registry,
  req: Request,
  ctx: DispatchContext,
): Promise<GuestResponse> {
  const url = new URL(req.url)
  const gate = ctx.gate ?? closedGate
  const match = registry.match(url.pathname)
  if (!match) throw new FnhostError('FUNCTION_NOT_FOUND', `no function serves ${url.pathname}`)
  const slot = match.target
  const spec = slot.spec
  ctx.onMatch?.(spec?.name ?? slot.name)
  const parts = ctx.parts ?? webParts(req)
  const admission = await gate.admit(parts, url, spec)
  let body: Uint8Array | null = null
  if (spec) {
    const allowed = allowedMethods(spec.config.methods)
    if (!allowed.includes(req.method)) {
      throw new FnhostError(
        'METHOD_NOT_ALLOWED',
        `${req.method} is not allowed on ${match.pattern}; allowed: ${allowed.join(', ')}`,
        { headers: { allow: allowed.join(', ') } },
      )
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      body = await parts.body(spec.config.maxBodyBytes)
  }
  const request: HttpInvocation = {
    type: 'http',
    method: req.method,
    url: url.origin + match.path + url.search,
    path: match.path,
    query: url.search.slice(1),
    route: match.pattern,
    params: match.params,
    headers: parts.list(),
    body,
    clientAddress: ctx.clientAddress,
    requestId: ctx.requestId,
  }
  const traceparent = ctx.traceparent ?? parts.get('traceparent') ?? undefined
  if (traceparent !== undefined) {
    request.traceparent = traceparent
    request.headers = [
      ...request.headers.filter(([n]) => n !== 'traceparent'),
      ['traceparent', traceparent],
    ]
  }
  const { inv, timeoutS } = gate.shape(request, admission)
  const fn = spec?.name ?? slot.name
  const log = invocationLog(ctx.logger, { fn, requestId: ctx.requestId })
  const timeoutMs = Math.min(spec?.config.timeoutMs ?? 0, (timeoutS ?? Infinity) * 1000)
  return slot.run(registry.loader, (f) =>
    f.invoke(inv, { deadline: Date.now() + timeoutMs, signal: ctx.signal ?? req.signal, log }),
  )
}

/** Hono's handler for every path that is not a host endpoint. */
export function dispatcher(registry: Registry, logger: Logger, gate: Gate = closedGate) {
  return async (c: Context): Promise<Response> => {
    const requestId = c.get('requestId') as string
    const res = await dispatch(registry, c.req.raw, {
      signal: clientSignal(c),
      parts: requestParts(c),
      requestId,
      clientAddress: clientAddress(c),
      logger,
      gate,
      traceparent: c.get('traceparent') as string | undefined,
      onMatch: (fn) => c.set('fn', fn),
    })
    return toWebResponse(res, requestId)
  }
}
