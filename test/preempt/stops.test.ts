import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../../host/paths.js'
import { poolDefaults, type PoolStats } from '../../host/pool/index.js'
import {
  errorAnswer,
  expectServes,
  handler,
  hostPerTest,
  spareReady,
  startAdversarial,
  type AdversarialHost,
} from '../adversarial/host.js'
import { sleep } from '../pool/helpers.js'
import { scaled } from '../helpers/time.js'

const fixture = (name: string) => readFile(join(packageRoot, 'wasm', 'fixtures', name))
const { graceMs: GRACE_MS } = poolDefaults()
const TIMEOUT_MS = 200
/** Sanity bound on an answer: deadline, grace and a second of slack for a shared machine. */
const BOUND_MS = TIMEOUT_MS + GRACE_MS + 1000

/** Guests that no interrupt check of their own stops: each must be stopped in place. */
const WASM_CASES: Record<string, [file: string, fixture: string, query?: string]> = {
  'a C (WAGI) endless loop': ['loop.wasm', 'loop.wasm'],
  'a C loop 2,000 calls deep': ['deep.wasm', 'deep-loop.wasm'],
  'an fnmicro endless loop': ['micro.wasm', 'micro-loop.wasm', '?spin=1'],
  'an emscripten endless loop': ['emcc.wasm', 'emcc-loop.wasm'],
}

/**
 * QuickJS native built-ins that never call the interrupt handler (stopped in place: one stop), and
 * guest code QuickJS's own interrupt handler ends (its regex engine polls it; a JS loop cannot
 * catch the interrupt error) well within the 3 ms it gets before an in-place stop: no stop
 * (`undefined`: on a loaded machine the thread may lose those 3 ms, and the stop in place ends
 * it instead, also without a kill). Their data is built at load (under the load budget); the
 * handler's one call runs past the deadline.
 */
const NATIVE_CASES: Record<string, [source: string, stops: number | undefined]> = {
  'a sort of 1e6 elements': [
    handler(
      'const copy = numbers.slice(); copy.sort(); return new Response(String(copy[0]))',
      'const numbers = Array.from({ length: 1e6 }, (_, i) => ((i * 7919) % 1e6) + 0.5)',
    ),
    1,
  ],
  'a catastrophic regex': [
    handler('return new Response(String(/^(a+)+$/.test("a".repeat(40) + "b")))'),
    undefined,
  ],
  // A million references to one object: JSON.stringify writes each in full (70 MB of JSON, ~5 s
  // here), and the array is made natively at load (a million objects made by guest code cost the
  // load ~2.5 CPU-s of this file's ~10).
  'JSON.stringify of a million objects (70 MB of JSON)': [
    handler(
      'return new Response(String(JSON.stringify(big).length))',
      "const big = new Array(1e6).fill({ id: 123456, name: 'item-123456', tags: ['a', 'b'], nested: { x: 41152 } })",
    ),
    1,
  ],
  "'ab'.repeat(1e7).split('')": [
    handler("return new Response(String('ab'.repeat(1e7).split('').length))"),
    1,
  ],
  'a JS loop that catches its own interrupt': [
    handler('for (;;) { try { for (;;) {} } catch (e) { } }'),
    undefined,
  ],
}

/** What a pool's counts of kills, stops and respawns grew by since `before`. */
function added(h: AdversarialHost, before: PoolStats) {
  const now = h.pool.stats()
  return {
    kills: now.kills - before.kills,
    stops: now.stops - before.stops,
    respawns: now.respawns - before.respawns,
  }
}

describe('wasm guests stopped at their deadline, in place', () => {
  // One host serves the four: each case is its own function, judged by what its call adds to the
  // pool's counts (a host and its pool started per case were most of the case's cost).
  let h: AdversarialHost
  beforeAll(async () => {
    const files: Record<string, string | Uint8Array> = {}
    for (const [file, wasm] of Object.values(WASM_CASES)) {
      files[file] = await fixture(wasm)
      files[file.replace('.wasm', '.json')] = JSON.stringify({ timeoutMs: TIMEOUT_MS })
    }
    h = await startAdversarial(files, { pool: { warmSpare: false } })
  })
  afterAll(async () => h?.[Symbol.asyncDispose]())

  for (const [name, [file, , query = '']] of Object.entries(WASM_CASES)) {
    it(`stops ${name}: 504 CPU_LIMIT, the worker lives`, async () => {
      const before = h.pool.stats()
      const answer = await errorAnswer(h.call, '/' + file.replace('.wasm', '') + query)
      expect(answer).toMatchObject({ status: 504, error: 'CPU_LIMIT' })
      expect(answer.elapsedMs).toBeLessThan(scaled(BOUND_MS))
      expect(added(h, before)).toEqual({ kills: 0, stops: 1, respawns: 0 })
      await expectServes(h.call)
    })
  }
})

describe('guests stopped at their deadline, in place', () => {
  // No spare worker: nothing here is about replacing a worker, but the one that falls back to
  // killing it, which asks for one.
  const start = hostPerTest({ pool: { warmSpare: false } })

  for (const [name, [source, stops]] of Object.entries(NATIVE_CASES)) {
    it(`stops ${name}: 504 CPU_LIMIT, the worker lives`, async () => {
      const h = await start({
        'cpu.js': source,
        'cpu.json': JSON.stringify({ timeoutMs: TIMEOUT_MS, memoryMb: 1024 }),
      })
      const answer = await errorAnswer(h.call, '/cpu')
      expect(answer).toMatchObject({ status: 504, error: 'CPU_LIMIT' })
      expect(h.pool.stats()).toMatchObject({ kills: 0, respawns: 0 })
      if (stops !== undefined) expect(h.pool.stats().stops).toBe(stops)
      else expect(h.pool.stats().stops).toBeLessThanOrEqual(1)
      await expectServes(h.call)
    })
  }

  it('answers 20 concurrent requests on the one worker while a guest overruns, and keeps another sandbox', async () => {
    const h = await start(
      {
        'loop.wasm': await fixture('loop.wasm'),
        'loop.json': JSON.stringify({ timeoutMs: TIMEOUT_MS }),
        'count.js': 'let n = 0\nexport default { fetch: () => new Response(String(++n)) }',
      },
      { pool: { workers: 1 } },
    )
    expect(await (await h.call('/count')).text()).toBe('1')
    const overrun = errorAnswer(h.call, '/loop')
    const fast = Array.from({ length: 20 }, () => h.call('/hello'))
    const answers = await Promise.all(fast)
    const bodies = await Promise.all(answers.map((r) => r.text()))
    expect(answers.map((r, i) => `${r.status} ${bodies[i]}`)).toEqual(Array(20).fill('200 hello'))
    expect(await overrun).toMatchObject({ status: 504, error: 'CPU_LIMIT' })
    // The counter's sandbox lived through the stop on its worker: its state is still there.
    expect(await (await h.call('/count')).text()).toBe('2')
    expect(h.pool.stats()).toMatchObject({ kills: 0, stops: 1, respawns: 0, workers: 1 })
  })

  it('rebuilds only the stopped sandbox: a shared JS function stopped mid-sort serves again', async () => {
    const h = await start({
      'sort.js': handler(
        "if (new URL(req.url).search === '?quick') return new Response('quick'); numbers.slice().sort(); return new Response('sorted')",
        'const numbers = Array.from({ length: 1e6 }, (_, i) => ((i * 7919) % 1e6) + 0.5)',
      ),
      'sort.json': JSON.stringify({ timeoutMs: TIMEOUT_MS, memoryMb: 512 }),
    })
    expect(await (await h.call('/sort?quick')).text()).toBe('quick')
    expect(await errorAnswer(h.call, '/sort')).toMatchObject({ status: 504, error: 'CPU_LIMIT' })
    expect(await (await h.call('/sort?quick')).text()).toBe('quick')
    expect(h.pool.stats()).toMatchObject({ kills: 0, stops: 1 })
    expect(h.pool.stats().guest.sandboxRebuilds).toBe(1)
  })

  it('falls back to terminating the worker when in-thread stops are off', async () => {
    const h = await start(
      {
        'loop.wasm': await fixture('loop.wasm'),
        'loop.json': JSON.stringify({ timeoutMs: TIMEOUT_MS }),
        'quick.js': handler("return new Response('quick')"),
        'quick.json': JSON.stringify({ timeoutMs: TIMEOUT_MS }),
      },
      { pool: { inThreadStops: false, warmSpare: true } },
    )
    expect(await (await h.call('/quick')).text()).toBe('quick')
    await spareReady(h)
    const overrun = errorAnswer(h.call, '/loop')
    // Queued behind the loop on the one worker: it runs on the replacement, under a fresh load
    // budget and its full time once loaded, instead of 503 for the time the kill took.
    await sleep(TIMEOUT_MS / 2)
    const behind = await h.call('/quick')
    expect(`${behind.status} ${await behind.text()}`).toBe('200 quick')
    const answer = await overrun
    expect(answer).toMatchObject({ status: 504, error: 'CPU_LIMIT' })
    expect(answer.elapsedMs).toBeLessThan(scaled(BOUND_MS))
    expect(h.pool.stats()).toMatchObject({ kills: 1, stops: 0, stopMechanism: 'worker-kill' })
    await expectServes(h.call)
  })

  it("loads a function under a budget of its own, not its first request's timeoutMs", async () => {
    // Top-level code that runs three times the function's timeoutMs: QuickJS's interrupt
    // handler and the watchdog judge it by the load budget (the pool's loadTimeoutMs).
    const h = await start({
      'slow-start.js': handler(
        "return new Response('ready')",
        `const until = Date.now() + ${3 * TIMEOUT_MS}; while (Date.now() < until) {}`,
      ),
      'slow-start.json': JSON.stringify({ timeoutMs: TIMEOUT_MS }),
    })
    const res = await h.call('/slow-start')
    expect(`${res.status} ${await res.text()}`).toBe('200 ready')
    expect(h.pool.stats()).toMatchObject({ kills: 0, stops: 0 })
  })
})
