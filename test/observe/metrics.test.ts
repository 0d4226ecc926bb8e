import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost, type Host } from '../../host/host.js'
import { silentLogger } from '../../host/observe/log.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { sharedTestPool } from '../helpers/host.js'
import { scaled } from '../helpers/time.js'

interface Family {
  name: string
  type: string
  metrics: { value?: string; labels?: Record<string, string> }[]
}

async function scrape(host: Host): Promise<Family[]> {
  const res = await host.app.request('/_fnhost/metrics')
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
  return parsePrometheusTextFormat(await res.text()) as Family[]
}

function value(families: Family[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name)
  if (!family) throw new Error(`no metric ${name}`)
  const sample = family.metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
  )
  if (!sample) return 0
  return Number(sample.value)
}

/**
 * Every series (name and labels), histogram buckets included, from prom-client's own view: the
 * text parser folds a labelled histogram into one sample, which would hide new series.
 */
async function series(host: Host): Promise<Set<string>> {
  const out = new Set<string>()
  for (const metric of await host.observe.metrics.registry.getMetricsAsJSON())
    for (const v of metric.values)
      out.add(
        `${(v as { metricName?: string }).metricName ?? metric.name}${JSON.stringify(v.labels)}`,
      )
  return out
}

async function histogramCount(host: Host, fn: string): Promise<number> {
  const metric = host.observe.metrics.registry.getSingleMetric('fnhost_request_duration_seconds')
  const { values } = await metric!.get()
  const count = values.find(
    (v) =>
      (v as { metricName?: string }).metricName === 'fnhost_request_duration_seconds_count' &&
      v.labels.function === fn,
  )
  return count?.value ?? 0
}

const SLOW_MS = 400

describe('GET /_fnhost/metrics', () => {
  let dir: TempDir | undefined
  let host: Host | undefined
  afterEach(async () => {
    await host?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
    host = dir = undefined
  })

  it(
    'counts a known sequence exactly, and unknown paths add no series',
    async () => {
      dir = await functionsDir({
        'ok.js': `export default { fetch: () => new Response('ok') }`,
        // Loopback is outside the default egress policy: the fetch is denied before any connection.
        'fetcher.js': `export default { async fetch() {
  try { await fetch('http://127.0.0.1:9/'); return new Response('fetched') }
  catch (e) { return new Response(String(e), { status: 502 }) } } }`,
        'loop.js': `export const config = { timeoutMs: 200 }
export default { fetch() { for (;;) {} } }`,
        'slow.js': `export const config = { concurrency: 1 }
export default { async fetch() { await new Promise((r) => setTimeout(r, ${SLOW_MS})); return new Response('slow') } }`,
      })
      host = await createHost({
        dir: dir.path,
        watch: false,
        logger: silentLogger,
        pool: { workers: 1, maxQueuedPerFunction: 1, warmSpare: false },
      })
      const get = (path: string) => host!.app.request(path)
      for (let i = 0; i < 3; i++) expect((await get('/ok')).status).toBe(200)
      expect((await get('/nope')).status).toBe(404)
      const fetched = await get('/fetcher')
      expect(fetched.status, await fetched.clone().text()).toBe(502)
      expect(await fetched.text()).toMatch(/denied/)
      expect((await get('/loop')).status).toBe(504)
      const slow = await Promise.all([get('/slow'), get('/slow'), get('/slow')])
      expect(slow.map((r) => r.status).sort()).toEqual([200, 200, 503])

      const m = await scrape(host)
      const requests = (fn: string, status: string, error: string) =>
        value(m, 'fnhost_requests_total', { function: fn, status, error })
      expect(requests('ok', '200', 'none')).toBe(3)
      expect(requests('(none)', '404', 'FUNCTION_NOT_FOUND')).toBe(1)
      expect(requests('loop', '504', 'CPU_LIMIT')).toBe(1)
      expect(requests('slow', '200', 'none')).toBe(2)
      expect(requests('slow', '503', 'OVERLOADED')).toBe(1)
      const total = m.find((f) => f.name === 'fnhost_requests_total')!.metrics
      expect(requests('fetcher', '502', 'none')).toBe(1)
      expect(total.reduce((n, s) => n + Number(s.value), 0)).toBe(9)
      expect(value(m, 'fnhost_guest_fetches_total', { outcome: 'denied' })).toBe(1)
      expect(value(m, 'fnhost_guest_fetches_total', { outcome: 'ok' })).toBe(0)
      expect(value(m, 'fnhost_sandbox_rebuilds_total')).toBe(0)
      // The loop's sandbox faulted at its deadline: the next call runs on a rebuilt one, unless
      // the loop outlived the grace period (a machine too busy to schedule the stop) and its
      // worker was killed instead, when the next call loads into the new worker.
      const killed = value(m, 'fnhost_worker_kills_total')
      expect((await get('/loop')).status).toBe(504)
      // The worker's counts can reach the main thread after the 504: the watchdog answers at the
      // deadline while the stop is still on its way. A worker killed during this second call
      // takes its unsent counts with it.
      const served = host
      const rebuilds = async () => {
        const now = await scrape(served)
        if (value(now, 'fnhost_worker_kills_total') !== killed) return killed === 0 ? 1 : 0
        return value(now, 'fnhost_sandbox_rebuilds_total')
      }
      await expect.poll(rebuilds, { timeout: scaled(5000) }).toBe(killed === 0 ? 1 : 0)
      const rebuilt = await scrape(host)
      expect(value(rebuilt, 'fnhost_requests_total', { function: 'loop', status: '504' })).toBe(2)
      expect(await histogramCount(host, 'ok')).toBe(3)
      expect(await histogramCount(host, 'slow')).toBe(3)
      expect(value(m, 'fnhost_admission_rejections_total')).toBe(1)
      expect(value(m, 'fnhost_requests_in_flight')).toBe(0)
      expect(value(m, 'fnhost_queue_depth')).toBe(0)
      expect(value(m, 'fnhost_function_loads_total', { function: 'slow' })).toBe(1)
      expect(value(m, 'fnhost_sandbox_loads_total')).toBeGreaterThanOrEqual(3)
      // What its engine uses (a trivial function: well under a MiB), not its 128 MiB cap.
      const okBytes = value(m, 'fnhost_sandbox_memory_bytes', { function: 'ok' })
      expect(okBytes).toBeGreaterThan(64 * 1024)
      expect(okBytes).toBeLessThan(4 * 1024 * 1024)
      expect(value(m, 'fnhost_workers')).toBe(1)
      expect(value(m, 'fnhost_process_cpu_seconds_total')).toBeGreaterThan(0)

      const before = await series(host)
      for (let i = 0; i < 1000; i++)
        await get(`/_fnhost-x/${Math.random().toString(36).slice(2)}/${i}?q=${i}`)
      const after = await scrape(host)
      expect(value(after, 'fnhost_requests_total', { function: '(none)', status: '404' })).toBe(
        1001,
      )
      const added = [...(await series(host))].filter((s) => !before.has(s))
      expect(added).toEqual([])
    },
    scaled(60_000),
  )

  it('can require the admin key', async () => {
    dir = await functionsDir({ 'ok.js': `export default { fetch: () => new Response('ok') }` })
    host = await createHost({
      dir: dir.path,
      watch: false,
      logger: silentLogger,
      adminKey: 'k3y',
      metricsNeedKey: true,
      sharedPool: sharedTestPool(),
    })
    expect((await host.app.request('/_fnhost/metrics')).status).toBe(401)
    const wrong = { headers: { authorization: 'Bearer nope' } }
    expect((await host.app.request('/_fnhost/metrics', wrong)).status).toBe(401)
    const right = { headers: { authorization: 'Bearer k3y' } }
    const res = await host.app.request('/_fnhost/metrics', right)
    expect(res.status).toBe(200)
    expect(await res.text()).toMatch(/^# HELP /m)
  })
})
