import { Hono } from 'hono'
import { requestId } from 'hono/request-id'
import { errorResponse, FnhostError, toFnhostError } from './errors.js'
import { dispatcher } from './http/dispatch.js'
import { createLogger, type Logger } from './observe/log.js'
import { HostMetrics } from './observe/metrics.js'
import { LogStore } from './observe/log-store.js'
import { observeRequests } from './observe/middleware.js'
import { observeRoutes } from './observe/routes.js'
import type { AppObserve } from './observe/setup.js'
import { triggerRoutes } from './triggers/routes.js'
import type { Registry } from './registry/registry.js'

export interface AppOptions {
  registry: Registry
  logger?: Logger
  /** One log line per request (method, path, status, time). */
  accessLog?: boolean
  /** Metrics, recent logs and triggers (createHost builds them); default: metrics and logs only. */
  observe?: AppObserve
}

type Env = { Variables: { requestId: string; fn: string; traceparent: string } }

export function createApp(options: AppOptions): Hono<Env> {
  const { registry } = options
  const logger = options.logger ?? createLogger()
  const startedAt = Date.now()
  const app = new Hono<Env>()

  app.use(requestId({ headerName: 'x-request-id', limitLength: 128 }))

  const observe = options.observe ?? { metrics: new HostMetrics(), logs: new LogStore() }
  app.use(observeRequests({ logger, metrics: observe.metrics, accessLog: !!options.accessLog }))

  app.get('/_fnhost/health', (c) =>
    c.json({
      status: 'ok',
      functions: registry.list().length,
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
    }),
  )
  app.route('/_fnhost', observeRoutes({ registry, ...observe }))
  if (observe.triggers) app.route('/_fnhost/v1', triggerRoutes(observe.triggers, observe.adminKey))
  app.all('/_fnhost/*', (c) => {
    throw new FnhostError('FUNCTION_NOT_FOUND', `no host endpoint at ${c.req.path}`)
  })
  app.all('*', dispatcher(registry, logger))

  app.onError((e, c) => {
    const err = toFnhostError(e)
    const id = c.get('requestId') ?? crypto.randomUUID()
    if (err.code === 'INTERNAL_ERROR')
      logger.error(`internal error: ${describe(e)}`, { requestId: id })
    return errorResponse(err, id)
  })
  return app
}

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e)
}
