import { describe, expect, it } from 'vitest'
import { INVOCATION_LOG_CAP } from '../../host/observe/invocation-log.js'
import { errorAnswer, expectServes, handler, hostPerTest } from './host.js'
import { peakGrowth, RSS_BOUND } from './rss.js'

describe('JS guests that exhaust memory or stack', () => {
  const start = hostPerTest()

  it("refuses 'x'.repeat(2**29): 500 MEMORY_LIMIT, then serves", async () => {
    const h = await start({
      'big.js': handler('return new Response(String("x".repeat(2 ** 29).length))'),
    })
    const { result, growth } = await peakGrowth(h, () => errorAnswer(h.call, '/big'))
    expect(result).toMatchObject({ status: 500, error: 'MEMORY_LIMIT' })
    expect(growth).toBeLessThan(RSS_BOUND)
    await expectServes(h.call)
  })

  it('stops a memory bomb (strings pushed until failure) at the cap: 500 MEMORY_LIMIT, then serves', async () => {
    const h = await start({
      'bomb.js': handler('const all = []; for (let i = 0; ; i++) all.push("x".repeat(65536) + i)'),
      'bomb.json': JSON.stringify({ timeoutMs: 10_000 }),
    })
    const { result, growth } = await peakGrowth(h, () => errorAnswer(h.call, '/bomb'))
    expect(result).toMatchObject({ status: 500, error: 'MEMORY_LIMIT' })
    expect(growth).toBeLessThan(RSS_BOUND)
    await expectServes(h.call)
  })

  it('answers deep recursion with 500 GUEST_ERROR (stack overflow), then serves', async () => {
    const h = await start({
      'deep.js': handler('const f = (n) => f(n + 1) + 1; return new Response(String(f(0)))'),
    })
    const answer = await errorAnswer(h.call, '/deep')
    expect(answer).toMatchObject({ status: 500, error: 'GUEST_ERROR' })
    expect(answer.message).toMatch(/stack/i)
    await expectServes(h.call)
  })

  it('answers recursion through JSON.stringify of a deeply nested object with 500 GUEST_ERROR', async () => {
    const h = await start({
      'nested.js': handler(
        'let o = {}; for (let i = 0; i < 1e5; i++) o = { a: o }; return new Response(JSON.stringify(o))',
      ),
      'nested.json': JSON.stringify({ timeoutMs: 10_000 }),
    })
    const answer = await errorAnswer(h.call, '/nested')
    expect(answer).toMatchObject({ status: 500, error: 'GUEST_ERROR' })
    expect(answer.message).toMatch(/stack/i)
    await expectServes(h.call)
  })

  it('keeps a 100 MB console.log to the log cap: no 100 MB crosses threads, then serves', async () => {
    const h = await start({
      'log.js': handler('console.log("x".repeat(1e8)); return new Response("logged")'),
      'log.json': JSON.stringify({ timeoutMs: 10_000, memoryMb: 512 }),
    })
    const { result, growth } = await peakGrowth(h, async () => {
      const res = await h.call('/log')
      return { status: res.status, body: await res.text() }
    })
    expect(result).toEqual({ status: 200, body: 'logged' })
    expect(growth).toBeLessThan(RSS_BOUND)
    const guest = h.host.logs.filter((l) => l.fields.src === 'guest' && l.fields.fn === 'log')
    expect(guest.reduce((n, l) => n + l.message.length, 0)).toBeLessThanOrEqual(
      INVOCATION_LOG_CAP.bytes,
    )
    expect(h.host.logs.some((l) => l.level === 'warn' && /log cap/.test(l.message))).toBe(true)
    await expectServes(h.call)
  })
})
