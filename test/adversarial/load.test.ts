import { rename } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { eventually } from '../helpers/fsdir.js'
import type { Call } from '../helpers/host.js'
import { sleep } from '../pool/helpers.js'
import { errorAnswer, expectServes, handler, hostPerTest, spareReady } from './host.js'
import { scaled } from '../helpers/time.js'

const SLEEPER = handler(
  'await new Promise((r) => setTimeout(r, Number(new URL(req.url).searchParams.get("ms") ?? 500))); return new Response("slept")',
)

type Answer = { status: number; body: string; retryAfter: string | null; ms: number }

async function answer(call: Call, path: string): Promise<Answer> {
  const t0 = Date.now()
  const res = await call(path)
  return {
    status: res.status,
    body: await res.text(),
    retryAfter: res.headers.get('retry-after'),
    ms: Date.now() - t0,
  }
}

function isOverloaded(a: Answer): boolean {
  return a.status === 503 && JSON.parse(a.body).error === 'OVERLOADED' && a.retryAfter !== null
}

/**
 * The pool's sandbox budget in the 1,000-function run: a copy is charged 16 MB while it loads and
 * then what it uses (~0.5 MB here), so 1,000 loaded copies do not fit and some are evicted.
 */
const BUDGET_MB = 256

describe('the host under load', () => {
  const start = hostPerTest({ transport: 'real server' })

  it('serves 200 concurrent requests to a sleeping function at once when its concurrency allows', async () => {
    const h = await start({
      'sleep.js': SLEEPER,
      'sleep.json': JSON.stringify({ concurrency: 200 }),
    })
    await answer(h.call, '/sleep?ms=1')
    const t0 = Date.now()
    const all = await Promise.all(
      Array.from({ length: 200 }, () => answer(h.call, '/sleep?ms=500')),
    )
    expect(all.filter((a) => a.status === 200 && a.body === 'slept')).toHaveLength(200)
    // Served one after another this would take 100 s; all at once it takes the one sleep.
    expect(Date.now() - t0).toBeLessThan(scaled(5000))
    await expectServes(h.call)
  })

  it('answers the excess of 200 concurrent requests 503 at once, past the bounds', async () => {
    const h = await start({
      'sleep.js': SLEEPER,
      'sleep.json': JSON.stringify({ concurrency: 10 }),
    })
    await answer(h.call, '/sleep?ms=1')
    const all = await Promise.all(
      Array.from({ length: 200 }, () => answer(h.call, '/sleep?ms=200')),
    )
    const served = all.filter((a) => a.status === 200 && a.body === 'slept')
    const refused = all.filter(isOverloaded)
    expect(served.length + refused.length).toBe(200)
    expect(served.length).toBeGreaterThanOrEqual(10)
    expect(refused.length).toBeGreaterThan(0)
    expect(Math.max(...refused.map((a) => a.ms))).toBeLessThan(scaled(1000))
    await expectServes(h.call)
  })

  it('calls 1,000 distinct functions once each with bounded sandbox memory: each answers or is refused 503', async () => {
    const files: Record<string, string> = {}
    for (let i = 0; i < 1000; i++) files[`f/${i}.js`] = handler(`return new Response("fn ${i}")`)
    const h = await start(files, { pool: { workers: 2, maxSandboxMemoryMb: BUDGET_MB } })
    let peakMb = 0
    const watch = setInterval(() => (peakMb = Math.max(peakMb, h.pool.stats().sandboxMemoryMb)), 5)
    const base = process.memoryUsage.rss()
    let peakRss = base
    const rss = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20)
    try {
      const all: Answer[] = []
      for (let batch = 0; batch < 1000; batch += 100)
        all.push(
          ...(await Promise.all(
            Array.from({ length: 100 }, (_, i) => answer(h.call, `/f/${batch + i}`)),
          )),
        )
      const served = all.filter((a, i) => a.status === 200 && a.body === `fn ${i}`)
      expect(served.length + all.filter(isOverloaded).length).toBe(1000)
      // 256 MB holds 16 loads at once (16 MB each until measured): of each burst of 100 cold
      // functions, those that find no room and no idle sandbox to evict are refused 503 at once.
      expect(served.length).toBeGreaterThanOrEqual(100)
    } finally {
      clearInterval(watch)
      clearInterval(rss)
    }
    expect(peakMb).toBeLessThanOrEqual(BUDGET_MB)
    expect(h.pool.stats().evictions).toBeGreaterThan(0)
    expect(peakRss - base).toBeLessThan(2048 * 2 ** 20)
    await expectServes(h.call)
  })

  it('swaps a function replaced 50 times under load without losing a request', async () => {
    const version = (n: number) => handler(`return new Response("v${n}")`)
    const h = await start({ 'swap.js': version(0) }, { watch: true })
    let stop = false
    const seen: string[][] = []
    const clients = Array.from({ length: 8 }, async (_, c) => {
      const mine: string[] = (seen[c] = [])
      while (!stop) {
        const a = await answer(h.call, '/swap')
        mine.push(a.status === 200 ? a.body : `${a.status} ${a.body}`)
      }
    })
    // Each version is written whole and renamed into place, as deploy tools do, and 80 ms apart:
    // the watcher drops a second change to a file within 50 ms of the first.
    for (let n = 1; n <= 50; n++) {
      await h.write('.swap.js.tmp', version(n))
      await rename(join(h.dir, '.swap.js.tmp'), join(h.dir, 'swap.js'))
      await sleep(80)
    }
    await eventually(async () => (await (await h.call('/swap')).text()) === 'v50', 10_000)
    stop = true
    await Promise.all(clients)
    const answers = seen.flat()
    expect(answers.filter((a) => !/^v\d+$/.test(a))).toEqual([])
    for (const mine of seen) {
      const versions = mine.map((a) => Number(a.slice(1)))
      expect(versions).toEqual([...versions].sort((x, y) => x - y))
    }
    expect(new Set(answers).size).toBeGreaterThan(10)
    // Old versions are disposed once their last request is done: only the final one stays loaded.
    await eventually(async () => h.pool.stats().functions === 1, 5000)
    await expectServes(h.call)
  })

  it('recovers from a worker that dies during a request', async () => {
    const h = await start({ 'sleep.js': SLEEPER, 'die.crash.js': '' })
    await answer(h.call, '/sleep?ms=1')
    await spareReady(h)
    const pending = errorAnswer(h.call, '/sleep?ms=3000')
    await sleep(200)
    await h.call('/die.crash')
    const killed = await pending
    expect(killed).toMatchObject({ status: 503, error: 'OVERLOADED' })
    expect(killed.retryAfter).toBe('1')
    await expectServes(h.call)
    expect(h.pool.stats()).toMatchObject({ crashes: 1, respawns: 1 })
  })
})
