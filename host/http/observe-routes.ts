import { Hono, type Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { ServerResponse } from 'node:http'
import { FnhostError } from '../errors.js'
import type { Registry } from '../registry/registry.js'
import { requireAdminKey } from '../observe/admin-key.js'
import { Follower, FOLLOW_BUFFER_BYTES } from '../observe/log-follow.js'
import type { LogStore, StoredLine } from '../observe/log-store.js'
import type { HostMetrics } from '../observe/metrics.js'

export interface ObserveRoutesOptions {
  registry: Registry
  metrics: HostMetrics
  logs: LogStore
  adminKey?: string
  /** `fnhost serve --dev`: loopback, same-origin requests need no key. */
  dev?: boolean
  /** Guard /_fnhost/metrics with the admin key too (default: open, as scrapers expect). */
  metricsNeedKey?: boolean
  /** Unsent bytes one follower may hold before it is dropped. */
  followBufferBytes?: number
}

/** Mounted at /_fnhost: the metrics endpoint and the log endpoints of the management API. */
export function observeRoutes(options: ObserveRoutesOptions): Hono {
  const { registry, metrics, logs } = options
  const admin = requireAdminKey(options.adminKey, options.dev)
  const app = new Hono()

  // Guards per route, not app.use: mounted beside other /_fnhost routes, a use() would guard them too.
  const scrape = async (c: Context) => {
    const { text, contentType } = await metrics.scrape()
    return c.body(text, 200, { 'content-type': contentType })
  }
  // Without metrics there is no route: the host's catch-all answers 404.
  if (metrics.enabled && options.metricsNeedKey) app.get('/metrics', admin, scrape)
  else if (metrics.enabled) app.get('/metrics', scrape)

  app.get('/v1/functions/:name{.+}/logs', admin, (c) => {
    const name = known(registry, c.req.param('name'))
    return c.json({ function: name, lines: logs.lines(name) })
  })
  app.get('/v1/logs', admin, (c) => {
    const fnParam = c.req.query('function')
    const fn = fnParam === undefined ? undefined : known(registry, fnParam)
    if (c.req.query('follow') === '1') return follow(c, logs, fn, options.followBufferBytes)
    const names = fn === undefined ? registry.list().map((s) => s.name) : [fn]
    const lines = names.flatMap((n) => logs.lines(n)).sort(byTime)
    return c.json({ lines })
  })
  return app
}

function known(registry: Registry, name: string): string {
  if (!registry.list().some((s) => s.name === name))
    throw new FnhostError('FUNCTION_NOT_FOUND', `no function named ${JSON.stringify(name)}`)
  return name
}

function byTime(a: StoredLine, b: StoredLine): number {
  return a.time < b.time ? -1 : a.time > b.time ? 1 : 0
}

/**
 * New lines as server-sent events (`event: log`, data: the line as JSON). The follower's queue is
 * bounded: a client that reads slower than lines arrive is cut off rather than buffered for.
 */
function follow(
  c: Context,
  logs: LogStore,
  fn: string | undefined,
  bufferBytes = FOLLOW_BUFFER_BYTES,
): Response {
  return streamSSE(c, async (stream) => {
    let stop = () => {}
    const follower = new Follower(bufferBytes, () => {
      stop()
      // On a real socket, close it now: a client that does not read would otherwise keep the
      // stream's pending write (and its socket buffer) alive until it goes away by itself.
      const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing
      outgoing?.destroy()
      stream.abort()
    })
    stop = logs.follow(
      fn,
      (line) => follower.push(line),
      () => follower.close(),
    )
    stream.onAbort(() => follower.close())
    try {
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ function: fn ?? null }) })
      for (let data = await follower.next(); data !== undefined; data = await follower.next()) {
        await stream.writeSSE({ event: 'log', data })
        if (stream.aborted) break
      }
    } finally {
      stop()
      follower.close()
    }
  })
}
