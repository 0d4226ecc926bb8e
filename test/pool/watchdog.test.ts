import { afterEach, describe, expect, it } from 'vitest'
import { createPool, type PoolOptions, type WorkerPool } from '../../host/pool/index.js'
import type { LoadedFunction } from '../../host/sandbox/types.js'
import { eventually } from '../helpers/fsdir.js'
import { invokeOptions, jsPoolOptions, rejection, sleep, specOf } from './helpers.js'
import { invokeHttp } from '../helpers/invoke.js'
import { scaled } from '../helpers/time.js'

const LOOP = `export default () => { for (;;) {} }`
const HANG = `export default () => new Promise(() => {})`
const OK = `export default () => new Response('ok')`
const WAIT = `export default async (req) => {
  await new Promise((r) => setTimeout(r, Number(new URL(req.url).searchParams.get('ms') ?? 100)))
  return new Response('waited')
}`

/** Slack for sanity bounds on time: these tests check behaviour, the report has the figures. */
const SLACK_MS = 1000
const GRACE_MS = 200

describe('the watchdog', () => {
  let pool: WorkerPool | undefined
  afterEach(async () => {
    await pool?.[Symbol.asyncDispose]()
    pool = undefined
  })
  const start = (options: PoolOptions = {}) =>
    (pool = createPool({ workers: 1, graceMs: GRACE_MS, ...jsPoolOptions, ...options }))
  /**
   * A pool whose spare has started (a moment after the first worker is ready): the tests that
   * time how soon a killed worker is replaced time the spare taking over, not a first start.
   */
  const startWithSpare = async (options: PoolOptions = {}) => {
    const p = start(options)
    await eventually(async () => p.stats().spareReady)
    return p
  }
  const call = (fn: LoadedFunction, timeoutMs: number, path = '/') =>
    invokeHttp(fn, new Request('http://h' + path), invokeOptions(timeoutMs).opts)

  /** The host serves a trivial function within a second. */
  async function stillServes(p: WorkerPool) {
    const t0 = Date.now()
    const ok = await p.load(specOf('ok', OK))
    expect(await (await call(ok, 1000)).text()).toBe('ok')
    expect(Date.now() - t0).toBeLessThan(scaled(1000))
  }

  it('kills a worker stuck in a loop: 504 CPU_LIMIT within deadline + grace, then serves', async () => {
    const p = await startWithSpare()
    const fn = await p.load(specOf('loop', LOOP))
    const t0 = Date.now()
    const e = await rejection(call(fn, 100))
    expect(e.code).toBe('CPU_LIMIT')
    expect(Date.now() - t0).toBeLessThan(scaled(100 + GRACE_MS + SLACK_MS))
    await stillServes(p)
    expect(p.stats()).toMatchObject({ kills: 1, respawns: 1, crashes: 0 })
  })

  it('answers 503 to the other requests that ran on the killed worker, retries the ones not started', async () => {
    const p = start()
    const [loop, wait] = [await p.load(specOf('loop', LOOP)), await p.load(specOf('wait', WAIT))]
    const running = rejection(call(wait, 5000, '/?ms=3000'))
    await sleep(50)
    const culprit = rejection(call(loop, 100))
    await sleep(20)
    const queuedBehind = call(wait, 5000, '/?ms=10')
    const [r, c, q] = await Promise.all([running, culprit, queuedBehind])
    expect(c.code).toBe('CPU_LIMIT')
    expect(r.code).toBe('OVERLOADED')
    expect(r.retryAfterS).toBe(1)
    expect(await q.text()).toBe('waited')
  })

  it('times out a promise that never settles without killing a worker that is still responsive', async () => {
    const p = start()
    const fn = await p.load(specOf('hang', HANG))
    const t0 = Date.now()
    expect((await rejection(call(fn, 100))).code).toBe('CPU_LIMIT')
    expect(Date.now() - t0).toBeLessThan(scaled(100 + GRACE_MS + SLACK_MS))
    await stillServes(p)
    expect(p.stats()).toMatchObject({ kills: 0, respawns: 0 })
  })

  it('answers 503 at its deadline to a request stuck behind a long one, without killing', async () => {
    const p = start()
    const [loop, ok] = [await p.load(specOf('loop', LOOP)), await p.load(specOf('ok', OK))]
    const long = rejection(call(loop, 1500))
    await sleep(20)
    const t0 = Date.now()
    const e = await rejection(call(ok, 100))
    expect(e.code).toBe('OVERLOADED')
    expect(Date.now() - t0).toBeLessThan(scaled(100 + GRACE_MS + SLACK_MS))
    expect(p.stats().kills).toBe(0)
    expect((await long).code).toBe('CPU_LIMIT')
  })

  it('kills a load stuck in top-level code: FUNCTION_LOAD_FAILED, then serves', async () => {
    const p = await startWithSpare({ loadTimeoutMs: 100 })
    const e = await rejection(
      p.load(
        specOf('toplevel', `for (;;) {}\nexport default () => new Response('never')`, {
          timeoutMs: 100,
        }),
      ),
    )
    expect(e.code).toBe('FUNCTION_LOAD_FAILED')
    await stillServes(p)
    expect(p.stats().kills).toBe(1)
  })

  it('recovers from a worker crash: 503 for its requests, a replacement serves', async () => {
    const p = await startWithSpare()
    const crash = await p.load(
      specOf(
        'crash',
        `export default () => { setTimeout(() => process.exit(3)); return new Promise(() => {}) }`,
      ),
    )
    const e = await rejection(call(crash, 5000))
    expect(e.code).toBe('OVERLOADED')
    await stillServes(p)
    expect(p.stats()).toMatchObject({ crashes: 1, respawns: 1 })
  })

  it('recovers from an uncaught exception thrown in a worker', async () => {
    const p = await startWithSpare()
    const fn = await p.load(
      specOf(
        'throws',
        `export default () => { setTimeout(() => { throw new Error('boom') }); return new Promise(() => {}) }`,
      ),
    )
    expect((await rejection(call(fn, 5000))).code).toBe('OVERLOADED')
    await stillServes(p)
  })

  it('forwards a client abort to the invocation', async () => {
    const p = start()
    const fn = await p.load(
      specOf(
        'abortable',
        `export default async (req, opts) => {
        await new Promise((r) => opts.signal.addEventListener('abort', r))
        return new Response('saw abort ' + opts.signal.aborted)
      }`,
      ),
    )
    const ctrl = new AbortController()
    const pending = invokeHttp(
      fn,
      new Request('http://h/'),
      invokeOptions(5000, { signal: ctrl.signal }).opts,
    )
    await sleep(50)
    ctrl.abort()
    expect(await (await pending).text()).toBe('saw abort true')
  })

  it('keeps serving through a series of kills, with a warm spare in reserve', async () => {
    const p = await startWithSpare()
    // Its timeoutMs is the call's: after the first kill the loop loads again on the spare, and an
    // invocation that waited for a load runs its function's full timeoutMs once loaded.
    const loop = await p.load(specOf('loop', LOOP, { timeoutMs: 300 }))
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now()
      expect((await rejection(call(loop, 300))).code).toBe('CPU_LIMIT')
      expect(Date.now() - t0).toBeLessThan(scaled(300 + GRACE_MS + SLACK_MS))
      await stillServes(p)
    }
    await eventually(async () => p.stats().spareReady)
    expect(p.stats()).toMatchObject({ kills: 3, respawns: 3, workers: 1 })
  })
})
