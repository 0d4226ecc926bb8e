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
})
