import type { MiddlewareHandler } from 'hono'
import { toFnhostError } from '../errors.js'
import { requestParts } from './incoming.js'
import type { Logger } from '../observe/log.js'
import { NO_ERROR, NO_FUNCTION, type HostMetrics } from '../observe/metrics.js'
import { traceparentFor } from '../observe/trace.js'

export interface ObserveOptions {
  logger: Logger
  metrics: HostMetrics
  /** One log line per request. */
  accessLog: boolean
}

type ObserveEnv = { Variables: { requestId: string; fn: string; traceparent: string } }

const HOST_PREFIX = '/_fnhost/'

/**
 * Per request: its trace context (the incoming `traceparent` when valid, else a new one), the
 * request metrics and the access line. The function label is what dispatch set from the registry
 * (`fn`), never the path, so unknown paths add no series.
 */
export function observeRequests(options: ObserveOptions): MiddlewareHandler<ObserveEnv> {
  const { logger, metrics, accessLog } = options
  return async (c, next) => {
    const start = performance.now()
    const traceparent = traceparentFor(requestParts(c).get('traceparent') ?? undefined)
    c.set('traceparent', traceparent)
    const path = rawPath(c.req.url)
    // Host endpoints (a scrape among them) are not invocations: they are logged, not counted.
    const counted = metrics.enabled && !path.startsWith(HOST_PREFIX)
    if (counted) metrics.inFlight++
    try {
      await next()
    } finally {
      if (counted) metrics.inFlight--
    }
    const ms = performance.now() - start
    const status = c.res.status
    const fn = c.get('fn') as string | undefined
    if (counted) {
      const error = c.error ? toFnhostError(c.error).code : NO_ERROR
      metrics.request(fn ?? NO_FUNCTION, status, error, ms / 1000)
    }
    if (accessLog)
      logger.access({
        at: Date.now(),
        fn,
        requestId: c.get('requestId'),
        method: c.req.method,
        path,
        status,
        elapsedMs: ms,
        traceparent,
      })
  }
}

/** The path as it came (still percent-encoded), without the query. */
function rawPath(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  if (start < 0) return '/'
  const end = url.indexOf('?', start)
  return end < 0 ? url.slice(start) : url.slice(start, end)
}
