import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Host, HostOptions } from '../../host/host.js'
import type { LogLine } from '../../host/observe/log.js'
import { packageRoot } from '../../host/paths.js'
import type { RunRecord } from '../../host/triggers/history.js'
import { eventually, functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, type TestHost } from '../helpers/host.js'
import { scaled } from '../helpers/time.js'

const KEY = 'cron-test-key'
const AUTH = { authorization: `Bearer ${KEY}` }
const EVERY_SECOND = '* * * * * *'
/** How long the every-second tests watch a schedule. */
const WATCH_MS = scaled(3500)
const PAYLOAD = { job: 'nightly', n: 7 }
const PAYLOAD_JSON = JSON.stringify(PAYLOAD)

const schedule = (payload: unknown = PAYLOAD) => ({ cron: EVERY_SECOND, payload })
const jsConfig = (extra: object = {}) =>
  `export const config = ${JSON.stringify({ schedule: schedule(), ...extra })}\n`
const fixture = (name: string) => readFile(join(packageRoot, 'wasm/fixtures', name))

/** One function per convention; each logs `cron <method> <trigger header> <body>` when it runs. */
async function conventionFunctions(): Promise<Record<string, string | Uint8Array>> {
  return {
    'fetch-post.js':
      jsConfig() +
      `export default { async fetch(req) {
  console.log('cron', req.method, req.headers.get('x-fnhost-trigger'), await req.text())
  return new Response('ok')
} }`,
    'event.js':
      jsConfig() +
      `export async function handle(event, context) {
  console.log('cron', event.httpMethod, event.headers['x-fnhost-trigger'], event.body)
}`,
    'open-runtimes.cjs': `module.exports = async (req, res) => {
  console.log('cron', req.method, req.headers['x-fnhost-trigger'], req.payload)
  res.send('ok')
}`,
    'open-runtimes.json': JSON.stringify({ schedule: schedule() }),
    'wagi.wasm': await fixture('cron-log.wasm'),
    'wagi.json': JSON.stringify({ schedule: schedule() }),
    'micro.wasm': await fixture('micro-cron-log.wasm'),
    'micro.json': JSON.stringify({ schedule: schedule() }),
  }
}

describe('cron schedules', () => {
  let dir: TempDir | undefined
  let test: TestHost | undefined
  let host: Host | undefined
  let logs: LogLine[] = []
  afterEach(async () => {
    await test?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
    test = host = dir = undefined
    logs = []
  })

  async function start(
    files: Record<string, string | Uint8Array>,
    options: Partial<Omit<HostOptions, 'logger'>> = {},
  ) {
    dir = await functionsDir(files)
    // On the shared test pool unless a test sets pool options of its own.
    test = await startHost('app.request', { dir: dir.path, adminKey: KEY, ...options })
    logs = test.logs
    return (host = test.host)
  }

  const guestLines = (fn: string) =>
    logs.filter((l) => l.fields.fn === fn && l.fields.src === 'guest').map((l) => l.message)

  async function runs(fn: string): Promise<RunRecord[]> {
    const res = await host!.app.request(`/_fnhost/v1/functions/${fn}/runs`, { headers: AUTH })
    expect(res.status).toBe(200)
    return ((await res.json()) as { runs: RunRecord[] }).runs
  }

  it(
    'fires about once a second in each convention, and the guest sees the payload',
    async () => {
      // Two workers of its own, as a default pool has: five functions load and run each second,
      // and a run still going when the next tick comes skips that tick.
      await start(await conventionFunctions(), { pool: { workers: 2 } })
      await new Promise((r) => setTimeout(r, WATCH_MS))
      for (const fn of ['fetch-post', 'event', 'open-runtimes', 'wagi', 'micro']) {
        const history = await runs(fn)
        // 3.5 s of an every-second schedule: 3 ticks, give or take one at either end.
        expect(history.length, fn).toBeGreaterThanOrEqual(2)
        expect(history.length, fn).toBeLessThanOrEqual(4)
        for (const run of history) {
          expect(run, fn).toMatchObject({ trigger: 'cron', cron: EVERY_SECOND, status: 200 })
          expect(run.error, fn).toBeUndefined()
        }
        const gaps = history
          .slice(1)
          .map((r, i) => Date.parse(history[i]!.scheduledTime) - Date.parse(r.scheduledTime))
        for (const gap of gaps) expect(gap, fn).toBe(1000)
        const seen = guestLines(fn)
        expect(seen.length, fn).toBe(history.length)
        for (const line of seen) expect(line, fn).toBe(`cron POST cron ${PAYLOAD_JSON}`)
      }
    },
    scaled(30_000),
  )

  it('calls scheduled(event, env, ctx) with { cron, scheduledTime, payload }, never fetch', async () => {
    await start({
      'sched.js':
        jsConfig() +
        `export default {
  fetch() { console.log('fetch was called'); return new Response('no') },
  scheduled(event, env, ctx) { console.log('scheduled', event.cron, typeof event.scheduledTime, JSON.stringify(event.payload)) },
}`,
    })
    await new Promise((r) => setTimeout(r, WATCH_MS))
    const seen = guestLines('sched')
    expect(seen.length).toBeGreaterThanOrEqual(2)
    for (const line of seen) expect(line).toBe(`scheduled ${EVERY_SECOND} number ${PAYLOAD_JSON}`)
  })

  it(
    'skips a tick while the previous run still goes, and counts it',
    async () => {
      await start({
        'slow.js':
          jsConfig({ timeoutMs: 10_000 }) +
          `export default { async fetch() {
  await new Promise((r) => setTimeout(r, 2500))
  return new Response('slow')
} }`,
      })
      await eventually(async () => (await runs('slow')).length >= 1, scaled(8000))
      const history = await runs('slow')
      expect(history[0]?.durationMs).toBeGreaterThanOrEqual(2500)
      const scrape = await (await host!.app.request('/_fnhost/metrics')).text()
      const skipped = /^fnhost_cron_skipped_total\{function="slow"\} (\d+)$/m.exec(scrape)
      expect(Number(skipped?.[1])).toBeGreaterThanOrEqual(2)
      expect(logs.some((l) => l.fields.fn === 'slow' && /tick skipped/.test(l.message))).toBe(true)
    },
    scaled(15_000),
  )

  it(
    'applies an edited schedule and stops a deleted one without a restart',
    async () => {
      await start(
        {
          'job.js':
            jsConfig() +
            `export default { async fetch(req) { console.log(await req.text()); return new Response('ok') } }`,
        },
        { watch: true },
      )
      await eventually(async () => guestLines('job').includes(PAYLOAD_JSON), scaled(5000))
      await dir!.write(
        'job.js',
        `export const config = ${JSON.stringify({ schedule: schedule({ edited: true }) })}
export default { async fetch(req) { console.log(await req.text()); return new Response('ok') } }`,
      )
      await eventually(async () => guestLines('job').includes('{"edited":true}'), scaled(5000))
      const lastOld = guestLines('job').lastIndexOf(PAYLOAD_JSON)
      const firstNew = guestLines('job').indexOf('{"edited":true}')
      expect(lastOld).toBeLessThan(firstNew)
      await dir!.remove('job.js')
      await eventually(async () => host!.registry.list().length === 0, scaled(5000))
      const count = guestLines('job').length
      await new Promise((r) => setTimeout(r, scaled(2500)))
      expect(guestLines('job').length).toBe(count)
      expect(host!.observe.triggers!.scheduled()).toEqual([])
    },
    scaled(20_000),
  )

  it(
    'records a run that loops forever as CPU_LIMIT (worker pool)',
    async () => {
      await start(
        { 'spin.js': jsConfig({ timeoutMs: 300 }) + `export default { fetch() { for (;;) {} } }` },
        { pool: { workers: 1 } },
      )
      await eventually(async () => (await runs('spin')).length >= 1, scaled(10_000))
      const [run] = await runs('spin')
      expect(run).toMatchObject({ trigger: 'cron', error: 'CPU_LIMIT' })
      expect(run?.status).toBeUndefined()
      const scrape = await (await host!.app.request('/_fnhost/metrics')).text()
      expect(scrape).toMatch(
        /^fnhost_cron_runs_total\{function="spin",outcome="CPU_LIMIT"\} [1-9]/m,
      )
    },
    scaled(20_000),
  )

  it('does not fire with cron off; a manual trigger runs with its payload and shows in the runs', async () => {
    await start(
      {
        'job.js':
          jsConfig() +
          `export default { async fetch(req) { console.log(await req.text()); return new Response('ok', { status: 202 }) } }`,
      },
      { cron: false },
    )
    expect(
      (await host!.app.request('/_fnhost/v1/functions/job/trigger', { method: 'POST' })).status,
    ).toBe(401)
    const res = await host!.app.request('/_fnhost/v1/functions/job/trigger', {
      method: 'POST',
      headers: AUTH,
      body: JSON.stringify({ manual: 1 }),
    })
    expect(res.status).toBe(200)
    const record = (await res.json()) as RunRecord
    expect(record).toMatchObject({ trigger: 'manual', cron: 'manual', status: 202 })
    const defaulted = await host!.app.request('/_fnhost/v1/functions/job/trigger', {
      method: 'POST',
      headers: AUTH,
    })
    const second = (await defaulted.json()) as RunRecord
    expect(second.status).toBe(202)
    // Without a body, the payload is the one in the schedule.
    expect(guestLines('job')).toEqual(['{"manual":1}', PAYLOAD_JSON])
    const history = await runs('job')
    expect(history.map((r) => r.requestId)).toEqual([second.requestId, record.requestId])
    await new Promise((r) => setTimeout(r, scaled(1500)))
    expect(await runs('job')).toHaveLength(2)
    const bad = await host!.app.request('/_fnhost/v1/functions/job/trigger', {
      method: 'POST',
      headers: AUTH,
      body: '{nope',
    })
    expect(bad.status).toBe(400)
    const missing = await host!.app.request('/_fnhost/v1/functions/nope/runs', { headers: AUTH })
    expect(missing.status).toBe(404)
  })

  it('has no trigger endpoints without an admin key', async () => {
    await start(
      { 'job.js': `export default { fetch: () => new Response('ok') }` },
      { adminKey: undefined },
    )
    const res = await host!.app.request('/_fnhost/v1/functions/job/trigger', { method: 'POST' })
    expect(res.status).toBe(404)
  })
})
