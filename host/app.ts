import { Hono } from 'hono'
import { adminApi, type AdminOptions } from './admin/api.js'
import type { Gate } from './auth/gate.js'
import { errorResponse, FnhostError, toFnhostError } from './errors.js'
import { clientSignal } from './http/client.js'
import { dispatcher } from './http/dispatch.js'
import { requestIds } from './http/request-id.js'
import { createLogger, type Logger } from './observe/log.js'
import { HostMetrics } from './observe/metrics.js'
import { LogStore } from './observe/log-store.js'
import { observeRequests } from './http/observe-requests.js'
import { observeRoutes } from './http/observe-routes.js'
import type { AppObserve } from './observation.js'
import { triggerRoutes } from './triggers/routes.js'
import { uiRoutes, type UiHostInfo } from './ui/routes.js'
import type { Registry } from './registry/registry.js'

export interface AppOptions {
  registry: Registry
  logger?: Logger
  /** One log line per request (method, path, status, time). */
  accessLog?: boolean
  /** Who may call which function (JWTs, the Open Runtimes key); default: private ones fail closed. */
  gate?: Gate
  /** The management API under /_fnhost/v1 (off, answering 404 with a hint, without a key). */
  admin?: Omit<AdminOptions, 'registry' | 'logger'>
  /** Metrics, recent logs and triggers (createHost builds them); default: metrics and logs only. */
  observe?: AppObserve
  /** What the dashboard's Host page shows beyond metrics (pool stats, memory budget). */
  ui?: UiHostInfo
}

type Env = { Variables: { requestId: string; fn: string; traceparent: string } }

/** What the access log records for a request whose client closed the connection first. */
const CLIENT_CLOSED = 499

export function createApp(options: AppOptions): Hono<Env> {
  const { registry } = options
  const logger = options.logger ?? createLogger()
  const startedAt = Date.now()
  const app = new Hono<Env>()

  app.use(requestIds())

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
  if (observe.triggers)
    app.route('/_fnhost/v1', triggerRoutes(observe.triggers, observe.adminKey, observe.dev))
  app.route('/_fnhost/v1', adminApi({ ...options.admin, registry, logger }))
  app.route('/_fnhost/ui', uiRoutes({ registry, observe, startedAt, ...options.ui }))
  app.all('/_fnhost/*', (c) => {
    throw new FnhostError('FUNCTION_NOT_FOUND', `no host endpoint at ${c.req.path}`)
  })
  app.all('*', dispatcher(registry, logger, options.gate))

  app.onError((e, c) => {
    const id = c.get('requestId') ?? crypto.randomUUID()
    // The client went away: nobody reads an answer, and the host did nothing wrong.
    if (clientSignal(c).aborted) {
      logger.info(`${c.req.method} ${c.req.path} aborted by the client`, {
        fn: c.get('fn'),
        requestId: id,
      })
      return new Response(null, { status: CLIENT_CLOSED })
    }
    const err = toFnhostError(e)
    if (err.code === 'INTERNAL_ERROR')
      logger.error(`internal error: ${describe(e)}`, { fn: c.get('fn'), requestId: id })
    return errorResponse(err, id)
  })
  return app
}

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e)
}
