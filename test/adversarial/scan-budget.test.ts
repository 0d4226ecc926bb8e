import { describe, expect, it } from 'vitest'
import { poolDefaults } from '../../host/pool/index.js'
import { eventually } from '../helpers/fsdir.js'
import { scaled } from '../helpers/time.js'
import { expectServes, hostPerTest } from './host.js'

/** How long one scan-time check may run in the scanner worker before it is killed. */
const { inspectTimeoutMs, graceMs } = poolDefaults()

// A config literal whose evaluation runs a native built-in over 2**40 indexes: QuickJS's interrupt
// never fires inside it, so only the scanner's watchdog ends it.
const HANGING_CONFIG = `export const config = { timeoutMs: Array.prototype.lastIndexOf.call({ length: 2 ** 40 }, 1) + 1001 }
export default { fetch: () => new Response('never') }`

/** A source near what once stalled the host for seconds: every byte is decoded, scanned and hashed. */
const HUGE_SOURCE_BYTES = 30 * 1024 * 1024
const FILLER_LINE = "/* import x from 'y' */ const s = 'require(z)'; // not an import\n"
const hugeSource = (tail: string) =>
  FILLER_LINE.repeat(Math.ceil(HUGE_SOURCE_BYTES / FILLER_LINE.length)) + tail

describe('guest code at scan time', () => {
  const start = hostPerTest({ watch: true })

  it('checks a hanging config literal in the scanner worker: health and functions answer meanwhile', async () => {
    const h = await start({})
    await h.write('hang.js', HANGING_CONFIG)
    // The scan is running (or about to): the main thread and the serving worker are free.
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now()
      const health = await h.call('/_fnhost/health')
      expect(health.status).toBe(200)
      expect(Date.now() - t0).toBeLessThan(scaled(1000))
      await expectServes(h.call)
    }
    await eventually(
      async () => (await h.call('/hang')).status === 500,
      scaled(inspectTimeoutMs + graceMs + 10_000),
    )
    const body = (await (await h.call('/hang')).json()) as { error: string; message: string }
    expect(body.error).toBe('FUNCTION_LOAD_FAILED')
    expect(body.message).toMatch(/did not finish within/)
    await expectServes(h.call)
  })

  it('starts and listens with such a file present from the start', async () => {
    const t0 = Date.now()
    const h = await start({ 'hang.js': HANGING_CONFIG })
    expect(Date.now() - t0).toBeLessThan(scaled(inspectTimeoutMs + graceMs + 10_000))
    expect((await h.call('/hang')).status).toBe(500)
    await expectServes(h.call)
  })

  it('scans and loads a 30 MB source while health and other functions answer within 1 s', async () => {
    const h = await start({})
    await h.write('huge.js', hugeSource("export default { fetch: () => new Response('huge') }\n"))
    // Health and another function, timed all through the scan, until the new function is routed.
    const deadline = Date.now() + scaled(60_000)
    let checks = 0
    let res: Response
    for (;;) {
      const t0 = Date.now()
      expect((await h.call('/_fnhost/health')).status).toBe(200)
      expect(Date.now() - t0).toBeLessThan(scaled(1000))
      await expectServes(h.call)
      checks++
      res = await h.call('/huge')
      if (res.status !== 404 || Date.now() > deadline) break
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(checks).toBeGreaterThan(1)
    // It loads, or it is refused in the contract's schema (its engine's memory cap): never a hang.
    if (res.status === 200) expect(await res.text()).toBe('huge')
    else expect((await res.json()) as object).toHaveProperty('error', 'FUNCTION_LOAD_FAILED')
    await expectServes(h.call)
  })
})
