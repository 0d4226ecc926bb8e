import { describe, expect, it } from 'vitest'
import { poolDefaults } from '../../host/pool/index.js'
import { invokeOptions, rejection, specOf } from '../pool/helpers.js'
import { errorAnswer, expectServes, handler, hostPerTest } from './host.js'
import { invokeHttp } from '../helpers/invoke.js'
import { scaled } from '../helpers/time.js'

const TIMEOUT_MS = 500
const GRACE_MS = poolDefaults().graceMs
/** Sanity bound: an answer within the deadline, the watchdog's grace and a second of slack. */
const BOUND_MS = TIMEOUT_MS + GRACE_MS + 1000

/** Each case runs alone in a fresh host: it must answer 504 CPU_LIMIT and leave the host serving. */
const CASES: Record<string, string> = {
  'an endless loop': handler('for (;;) {}'),
  'an endless loop in a promise job': handler(
    'Promise.resolve().then(() => { for (;;) {} }); await new Promise((r) => setTimeout(r, 10)); return new Response("no")',
  ),
  'a loop after an await': handler('await null; for (;;) {}'),
  'a catastrophic regex': handler(
    'return new Response(String(/^(a+)+$/.test("a".repeat(40) + "b")))',
  ),
  'a handler that catches its own interrupt and keeps looping': handler(
    'for (;;) { try { for (;;) {} } catch (e) { } }',
  ),
  'new Array(5e7).join("ab")': handler(
    'return new Response(String(new Array(5e7).join("ab").length))',
  ),
}

describe('JS guests that burn CPU', () => {
  const start = hostPerTest()

  for (const [name, source] of Object.entries(CASES)) {
    it(`stops ${name}: 504 CPU_LIMIT, then serves`, async () => {
      const h = await start({
        'cpu.js': source,
        'cpu.json': JSON.stringify({ timeoutMs: TIMEOUT_MS }),
      })
      const answer = await errorAnswer(h.call, '/cpu')
      expect(answer).toMatchObject({ status: 504, error: 'CPU_LIMIT' })
      expect(answer.elapsedMs).toBeLessThan(scaled(BOUND_MS))
      await expectServes(h.call)
    })
  }

  it('stops a native sort of 3e5 elements under a 50 ms budget in place, the worker serving on', async () => {
    const h = await start({})
    // The array is built at load (under the function's own timeoutMs); the sort runs under a 50 ms
    // deadline given to this one invocation, and QuickJS's interrupt never fires inside it.
    const fn = await h.pool.load(
      specOf(
        'sort',
        handler(
          "if (new URL(req.url).search === '?warm') return new Response('warm'); const copy = numbers.slice(); copy.sort(); return new Response(String(copy[0]))",
          'const numbers = Array.from({ length: 3e5 }, (_, i) => ((i * 7919) % 3e5) + 0.5)',
        ),
        { timeoutMs: 5000 },
        'quickjs',
      ),
    )
    // One quick call first, so the worker holding the sandbox is idle and answering when the
    // 50 ms budget starts: the case is the stop, not a request that never reached the guest.
    const warm = await invokeHttp(fn, new Request('http://h/sort?warm'), invokeOptions(5000).opts)
    expect(await warm.text()).toBe('warm')
    const t0 = Date.now()
    const e = await rejection(invokeHttp(fn, new Request('http://h/sort'), invokeOptions(50).opts))
    expect(e).toMatchObject({ code: 'CPU_LIMIT', status: 504 })
    expect(Date.now() - t0).toBeLessThan(scaled(50 + GRACE_MS + 1000))
    expect(h.pool.stats()).toMatchObject({ kills: 0, stops: 1, respawns: 0 })
    await expectServes(h.call)
  })
})
