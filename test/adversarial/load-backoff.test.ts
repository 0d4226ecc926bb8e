import { describe, expect, it } from 'vitest'
import { LOAD_RETRY_FIRST_MS } from '../../host/registry/slot.js'
import { eventually } from '../helpers/fsdir.js'
import { scaled } from '../helpers/time.js'
import { funcExport, funcType, I32, memoryExport, module } from '../helpers/wasm-module.js'
import { errorAnswer, expectServes, handler, hostPerTest } from './host.js'

/*
 * A load that fails is remembered until the file changes (retried after a backoff): a module whose
 * load hangs would otherwise hold a worker until the watchdog kills it, on every request.
 */

/** The pool's load budget in these tests: short, so the first (killed) load is quick. */
const LOAD_TIMEOUT_MS = 300
/** A remembered failure is answered at once, well before any load could have run. */
const REMEMBERED_WITHIN_MS = scaled(200)
const WATCH_MS = scaled(5000)
/** The looping JS function's own time limit, which bounds its load. */
const JS_LOAD_TIMEOUT_MS = 500

const i32 = (n: number) => [0x41, n]
/** `loop br 0 end` then the version: fnm_abi_version never returns. */
const SPIN = [0x03, 0x40, 0x0c, 0x00, 0x0b, ...i32(1)]

/** An fnmicro module whose fnm_abi_version (called at load) loops forever. */
function hangingMicro(): Uint8Array {
  const names = ['fnm_abi_version', 'fnm_req_buf', 'fnm_req_cap', 'fnm_resp_buf', 'fnm_resp_cap']
  return module({
    types: [funcType([], [I32]), funcType([I32, I32, I32, I32], [I32])],
    memories: [[0x00, 0x01]],
    bodies: [
      SPIN,
      [0x41, 0x80, 0x08],
      [0x41, 0x80, 0x08],
      [0x41, 0x80, 0x10],
      [0x41, 0x80, 0x08],
      i32(0),
    ],
    bodyTypes: [1, 1, 1, 1, 1, 2],
    exports: [
      memoryExport('memory'),
      ...names.map((n, i) => funcExport(n, i)),
      funcExport('fnm_handle', 5),
    ],
  })
}

describe('a failed load is remembered until the file changes', () => {
  const start = hostPerTest({ pool: { loadTimeoutMs: LOAD_TIMEOUT_MS, graceMs: 100 } })

  it('answers a hanging fnmicro load once by the watchdog, then at once, without another stop', async () => {
    const h = await start({
      'hang.wasm': hangingMicro(),
      'hang.json': JSON.stringify({ timeoutMs: LOAD_TIMEOUT_MS }),
    })
    const first = await errorAnswer(h.call, '/hang')
    expect(first).toMatchObject({ status: 500, error: 'FUNCTION_LOAD_FAILED' })
    // Stopped in place at the end of its load budget: the worker lives.
    expect(h.pool.stats()).toMatchObject({ kills: 0, stops: 1 })
    for (let i = 0; i < 5; i++) {
      const again = await errorAnswer(h.call, '/hang')
      expect(again).toMatchObject({
        status: 500,
        error: 'FUNCTION_LOAD_FAILED',
        message: first.message,
      })
      expect(again.elapsedMs).toBeLessThan(REMEMBERED_WITHIN_MS)
    }
    expect(h.pool.stats()).toMatchObject({ kills: 0, stops: 1 })
    await expectServes(h.call)
  })

  it('a JS function whose top-level code loops is remembered too, and loads afresh once fixed', async () => {
    const h = await start(
      {
        'top.js': `for (;;) {}\n${handler('')}`,
        'top.json': JSON.stringify({ timeoutMs: JS_LOAD_TIMEOUT_MS }),
      },
      { watch: true },
    )
    const first = await errorAnswer(h.call, '/top')
    expect(first).toMatchObject({ status: 500, error: 'FUNCTION_LOAD_FAILED' })
    expect(first.elapsedMs).toBeGreaterThanOrEqual(JS_LOAD_TIMEOUT_MS)
    const again = await errorAnswer(h.call, '/top')
    expect(again).toMatchObject({
      status: 500,
      error: 'FUNCTION_LOAD_FAILED',
      message: first.message,
    })
    expect(again.elapsedMs).toBeLessThan(REMEMBERED_WITHIN_MS)
    // A changed file loads afresh at once, long before the backoff would let the old one retry.
    await h.write('top.json', JSON.stringify({ timeoutMs: 1000 }))
    await h.write('top.js', handler('return new Response("fixed")'))
    const fixedWithin = Math.min(WATCH_MS, LOAD_RETRY_FIRST_MS - 1000)
    await eventually(async () => (await (await h.call('/top')).text()) === 'fixed', fixedWithin)
    await expectServes(h.call)
  })
})
