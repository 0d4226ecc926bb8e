import { afterEach, describe, expect, it } from 'vitest'
import { createPool, type PoolOptions, type WorkerPool } from '../../host/pool/index.js'
import type { LoadedFunction } from '../../host/sandbox/types.js'
import { eventually } from '../helpers/fsdir.js'
import { invokeOptions, jsPoolOptions, rejection, sleep, specOf } from './helpers.js'
import { invokeHttp } from '../helpers/invoke.js'

const OK = `export default () => new Response('ok')`
const HANG = `export default () => new Promise(() => {})`

describe('sandbox memory and idle eviction', () => {
  let pool: WorkerPool | undefined
  afterEach(async () => {
    await pool?.[Symbol.asyncDispose]()
    pool = undefined
  })
  const start = (options: PoolOptions = {}) =>
    (pool = createPool({ workers: 1, ...jsPoolOptions, ...options }))
  const call = async (fn: LoadedFunction, timeoutMs = 5000) =>
    (await invokeHttp(fn, new Request('http://h/'), invokeOptions(timeoutMs).opts)).text()

  it('evicts the least recently used idle sandbox to make room, and reloads it when needed', async () => {
    const p = start({ maxSandboxMemoryMb: 256 })
    const a = await p.load(specOf('a', OK, { memoryMb: 128 }))
    const b = await p.load(specOf('b', OK, { memoryMb: 128 }))
    await call(b)
    const c = await p.load(specOf('c', OK, { memoryMb: 128 }))
    expect(p.stats()).toMatchObject({ sandboxes: 2, sandboxMemoryMb: 256, evictions: 1 })
    expect(await call(c)).toBe('ok')
    expect(await call(a)).toBe('ok')
    expect(p.stats().sandboxMemoryMb).toBeLessThanOrEqual(256)
  })

  it('refuses to load past the budget when every sandbox is busy', async () => {
    const p = start({ maxSandboxMemoryMb: 256 })
    const busy = [
      await p.load(specOf('a', HANG, { memoryMb: 128 })),
      await p.load(specOf('b', HANG, { memoryMb: 128 })),
    ]
    const pending = busy.map((fn) =>
      rejection(invokeHttp(fn, new Request('http://h/'), invokeOptions(300).opts)),
    )
    await sleep(30)
    const e = await rejection(p.load(specOf('c', OK, { memoryMb: 128 })))
    expect(e).toMatchObject({ code: 'OVERLOADED', retryAfterS: 1 })
    await Promise.all(pending)
    expect(await call(await p.load(specOf('c', OK, { memoryMb: 128 })))).toBe('ok')
  })

  it('refuses a function whose own cap is larger than the whole budget', async () => {
    const e = await rejection(
      start({ maxSandboxMemoryMb: 64 }).load(specOf('big', OK, { memoryMb: 128 })),
    )
    expect(e.code).toBe('FUNCTION_LOAD_FAILED')
  })

  it('drops sandboxes idle past idleTimeoutMs', async () => {
    const p = start({ idleTimeoutMs: 100 })
    const fn = await p.load(specOf('a', OK))
    expect(await call(fn)).toBe('ok')
    await eventually(async () => p.stats().sandboxes === 0, 2000)
    expect(p.stats().evictions).toBe(1)
    expect(await call(fn)).toBe('ok')
  })
})
