import { afterEach, describe, expect, it } from 'vitest'
import { eventually, functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, type TestHost } from '../helpers/host.js'
import { scaled } from '../helpers/time.js'

/** How long the guest would wait if nothing stopped it. */
const GUEST_WAIT_MS = 8000
/** When the client gives up. */
const CLIENT_ABORT_MS = 300
/** The cancellation reaches the guest's event loop well before its own timer ends. */
const CANCEL_WITHIN_MS = scaled(3000)

const SLOW = `export default {
  async fetch() {
    await new Promise((r) => setTimeout(r, ${GUEST_WAIT_MS}))
    return new Response('late')
  },
}
`

describe('a client that goes away over a real socket', () => {
  let dir: TempDir | undefined
  let h: TestHost | undefined
  afterEach(async () => {
    await h?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })

  it('cancels its running invocation: logged as an abort, not an error, and the worker is free', async () => {
    dir = await functionsDir({
      'slow.js': SLOW,
      'slow.json': JSON.stringify({ timeoutMs: 20_000 }),
      'fast.js': `export default { fetch: () => new Response('fast') }`,
    })
    h = await startHost('real server', { dir: dir.path })
    expect(await (await h.call('/fast')).text()).toBe('fast')
    const ctrl = new AbortController()
    const started = Date.now()
    const pending = h.call('/slow', { signal: ctrl.signal }).catch((e: Error) => e)
    setTimeout(() => ctrl.abort(), CLIENT_ABORT_MS)
    expect(await pending).toBeInstanceOf(Error)
    const host = h
    await eventually(
      async () => host.logs.some((l) => l.message === 'GET /slow aborted by the client'),
      CANCEL_WITHIN_MS,
    )
    expect(Date.now() - started).toBeLessThan(GUEST_WAIT_MS)
    expect(h.logs.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([])
    // One worker: it is free again long before the guest's timer would have fired.
    expect(await (await h.call('/fast')).text()).toBe('fast')
    expect(Date.now() - started).toBeLessThan(GUEST_WAIT_MS)
  })
})
