import { afterEach, describe, expect, it } from 'vitest'
import { createPool, type PoolOptions, type WorkerPool } from '../../host/pool/index.js'
import type { LoadedFunction } from '../../host/sandbox/types.js'
import { invokeOptions, jsPoolOptions, rejection, sleep, specOf } from './helpers.js'
import { invokeHttp } from '../helpers/invoke.js'
import { scaled } from '../helpers/time.js'

const WAIT = `export default async (req) => {
  await new Promise((r) => setTimeout(r, Number(new URL(req.url).searchParams.get('ms') ?? 200)))
  return new Response('waited')
}`

describe('admission control', () => {
  let pool: WorkerPool | undefined
  afterEach(async () => {
    await pool?.[Symbol.asyncDispose]()
    pool = undefined
  })
  const start = (options: PoolOptions = {}) =>
    (pool = createPool({ workers: 1, ...jsPoolOptions, ...options }))
  const call = (fn: LoadedFunction, timeoutMs = 5000, signal?: AbortSignal) =>
    invokeHttp(
      fn,
      new Request('http://h/?ms=200'),
      invokeOptions(timeoutMs, signal ? { signal } : {}).opts,
    )
  const settle = (p: Promise<Response>) =>
    p.then(
      (r) => ({ status: r.status, at: Date.now() }),
      (e: { code: string; retryAfterS?: number }) => ({
        status: e.code,
        retryAfterS: e.retryAfterS,
        at: Date.now(),
      }),
    )

  it('runs config.concurrency at once, queues up to the bound and refuses the rest at once', async () => {
    const p = start({ maxQueuedPerFunction: 2 })
    const fn = await p.load(specOf('wait', WAIT, { concurrency: 2 }))
    const t0 = Date.now()
    const calls = [1, 2, 3, 4, 5, 6].map(() => settle(call(fn)))
    await sleep(50)
    expect(p.stats()).toMatchObject({ inFlight: 2, queued: 2 })
    const results = await Promise.all(calls)
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 'OVERLOADED', 'OVERLOADED'])
    expect(results[4]).toMatchObject({ retryAfterS: 1 })
    expect((results[4]?.at ?? Infinity) - t0).toBeLessThan(scaled(150))
    expect(p.stats()).toMatchObject({ inFlight: 0, queued: 0, rejected: 2 })
  })

  it('bounds running and waiting invocations across functions', async () => {
    const p = start({ maxConcurrent: 2, maxQueued: 1 })
    const a = await p.load(specOf('a', WAIT))
    const b = await p.load(specOf('b', WAIT))
    const results = await Promise.all([a, b, a, b].map((fn) => settle(call(fn))))
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 'OVERLOADED'])
  })

  it('gives a function whose own bound is reached no head-of-line block over others', async () => {
    const p = start({ maxConcurrent: 4 })
    const narrow = await p.load(specOf('narrow', WAIT, { concurrency: 1 }))
    const other = await p.load(specOf('other', WAIT))
    const t0 = Date.now()
    const first = [narrow, narrow, narrow].map((fn) => settle(call(fn)))
    const o = await settle(call(other))
    expect(o.status).toBe(200)
    expect(o.at - t0).toBeLessThan(scaled(600))
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200, 200])
  })

  it('refuses a queued invocation at its deadline, and one whose client went away', async () => {
    const p = start()
    const fn = await p.load(specOf('wait', WAIT, { concurrency: 1 }))
    const running = settle(call(fn))
    const late = settle(call(fn, 100))
    const ctrl = new AbortController()
    const gone = rejection(call(fn, 5000, ctrl.signal))
    ctrl.abort()
    expect((await late).status).toBe('OVERLOADED')
    expect((await gone).code).toBe('OVERLOADED')
    expect((await running).status).toBe(200)
    expect(p.stats()).toMatchObject({ inFlight: 0, queued: 0 })
  })
})
