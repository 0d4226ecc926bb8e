import { describe, expect, it } from 'vitest'
import { poolDefaults } from '../../host/pool/index.js'
import { errorAnswer, expectServes, handler, hostPerTest } from './host.js'
import { scaled } from '../helpers/time.js'

const GRACE_MS = poolDefaults().graceMs

describe('JS guests that never finish or flood the event loop', () => {
  const start = hostPerTest()

  it('answers a handler whose promise never resolves, within its deadline, then serves', async () => {
    const h = await start({
      'never.js': handler('return new Promise(() => {})'),
      'never.json': JSON.stringify({ timeoutMs: 500 }),
    })
    const answer = await errorAnswer(h.call, '/never')
    // The driver sees nothing pending that could settle the promise and fails it at once; had
    // it not, the deadline would (504 CPU_LIMIT). Either way it is answered, not left hanging.
    expect(answer).toMatchObject({ status: 500, error: 'GUEST_ERROR' })
    expect(answer.elapsedMs).toBeLessThan(scaled(500 + GRACE_MS + 1000))
    await expectServes(h.call)
  })

  it('answers a handler that waits on a timer past its deadline with 504 CPU_LIMIT', async () => {
    const h = await start({
      'sleepy.js': handler(
        'await new Promise((r) => setTimeout(r, 60_000)); return new Response("late")',
      ),
      'sleepy.json': JSON.stringify({ timeoutMs: 500 }),
    })
    const answer = await errorAnswer(h.call, '/sleepy')
    expect(answer).toMatchObject({ status: 504, error: 'CPU_LIMIT' })
    expect(answer.elapsedMs).toBeLessThan(scaled(500 + GRACE_MS + 1000))
    await expectServes(h.call)
    expect(h.pool.stats().kills).toBe(0)
  })

  it('refuses a timer storm (100k setTimeout): 500 GUEST_ERROR, then serves', async () => {
    const h = await start({
      'storm.js': handler(
        'for (let i = 0; i < 100000; i++) setTimeout(() => {}, 100000); return new Response("set")',
      ),
      'storm.json': JSON.stringify({ timeoutMs: 5000 }),
    })
    const answer = await errorAnswer(h.call, '/storm')
    expect(answer).toMatchObject({ status: 500, error: 'GUEST_ERROR' })
    expect(answer.message).toMatch(/timers/)
    expect(answer.elapsedMs).toBeLessThan(scaled(5000))
    await expectServes(h.call)
  })
})
