import { describe, expect, it } from 'vitest'
import { poolDefaults } from '../../host/pool/index.js'
import { eventually } from '../helpers/fsdir.js'
import { scaled } from '../helpers/time.js'
import { expectServes, handler, hostPerTest } from './host.js'

/*
 * Work a guest schedules with ctx.waitUntil runs after its response, but it is still that
 * request's work: under its deadline, holding its worker and its slot until it ends, and stopped
 * (by the engine's interrupt, or in place by the watchdog for a native built-in) once the deadline
 * passes.
 */

const GRACE_MS = poolDefaults().graceMs
const TIMEOUT_MS = 1000
/** From the deadline to the watchdog's stop (or kill): its grace, plus scheduling slack. */
const STOPPED_WITHIN_MS = scaled(TIMEOUT_MS + GRACE_MS + 1500)
const config = JSON.stringify({ timeoutMs: TIMEOUT_MS })
/** The native case's strings need room: at 128 MB it may run out of memory before the deadline. */
const nativeConfig = JSON.stringify({ timeoutMs: TIMEOUT_MS, memoryMb: 512 })

/** Answers at once, then splits and sorts 1.5e6 characters: native work (~6 s here) no interrupt reaches. */
const NATIVE_AFTER = handler(`
  ctx.waitUntil((async () => {
    await new Promise((r) => setTimeout(r, 100))
    const a = 'qwertyuiopasdfghjklzxcvbnm0123456789QWERTYUIOPASDFGHJKLZXCVBNM'.repeat(25000).split('')
    a.sort()
    console.log('sorted')
  })())
  return new Response('answered')`).replace('async fetch(req)', 'async fetch(req, env, ctx)')

const JS_LOOP_AFTER = handler(`
  ctx.waitUntil((async () => { await new Promise((r) => setTimeout(r, 100)); for (;;) {} })())
  return new Response('answered')`).replace('async fetch(req)', 'async fetch(req, env, ctx)')

const TIMER_AFTER = handler(`
  ctx.waitUntil(new Promise((r) => setTimeout(() => { console.log('late timer ran'); r() }, 60_000)))
  return new Response('answered')`).replace('async fetch(req)', 'async fetch(req, env, ctx)')

const QUICK_AFTER = handler(`
  ctx.waitUntil(new Promise((r) => setTimeout(() => { console.log('after work done'); r() }, 50)))
  return new Response('answered')`).replace('async fetch(req)', 'async fetch(req, env, ctx)')

async function answered(call: (p: string) => Promise<Response>, path: string): Promise<number> {
  const t0 = Date.now()
  const res = await call(path)
  expect([res.status, await res.text()]).toEqual([200, 'answered'])
  return Date.now() - t0
}

describe('ctx.waitUntil work counts against its request', () => {
  const start = hostPerTest()

  it('stops native work in waitUntil at the deadline in place, then the host serves', async () => {
    const h = await start({ 'native.js': NATIVE_AFTER, 'native.json': nativeConfig })
    const t0 = Date.now()
    await answered(h.call, '/native')
    // Before, the sort ran 8-10 s on a worker the pool counted idle; now it is the request's.
    await eventually(async () => h.pool.stats().stops === 1, STOPPED_WITHIN_MS)
    expect(h.pool.stats().kills).toBe(0)
    expect(Date.now() - t0).toBeLessThan(STOPPED_WITHIN_MS)
    expect(h.host.logs.some((l) => l.message === 'sorted')).toBe(false)
    await expectServes(h.call)
  })

  it('keeps the worker counted busy while waitUntil runs: another function goes to the other worker at once', async () => {
    const h = await start(
      { 'native.js': NATIVE_AFTER, 'native.json': nativeConfig },
      { pool: { workers: 2 } },
    )
    await eventually(async () => h.pool.stats().workers >= 2, scaled(10_000))
    await answered(h.call, '/native')
    expect(h.pool.stats().inFlight).toBe(1)
    await expectServes(h.call)
    await eventually(async () => h.pool.stats().inFlight === 0, STOPPED_WITHIN_MS)
  })

  it('stops an interruptible loop or a timer in waitUntil at the deadline, without a kill', async () => {
    const h = await start({
      'loop.js': JS_LOOP_AFTER,
      'loop.json': config,
      'timer.js': TIMER_AFTER,
      'timer.json': config,
    })
    for (const path of ['/loop', '/timer']) {
      const t0 = Date.now()
      await answered(h.call, path)
      await eventually(async () => h.pool.stats().inFlight === 0, STOPPED_WITHIN_MS)
      expect(Date.now() - t0).toBeGreaterThanOrEqual(TIMEOUT_MS - 50)
    }
    expect(h.pool.stats().kills).toBe(0)
    const stopped = h.host.logs.filter((l) => /waitUntil work did not finish/.test(l.message))
    expect(stopped).toHaveLength(2)
    expect(h.host.logs.some((l) => l.message === 'late timer ran')).toBe(false)
    await expectServes(h.call)
  })

  it('runs waitUntil work that ends in time to its end', async () => {
    const h = await start({ 'quick.js': QUICK_AFTER })
    await answered(h.call, '/quick')
    await eventually(async () => h.host.logs.some((l) => l.message === 'after work done'))
    await eventually(async () => h.pool.stats().inFlight === 0)
    await expectServes(h.call)
  })
})
