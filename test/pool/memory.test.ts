import { afterEach, describe, expect, it } from 'vitest'
import { createPool, type PoolOptions, type WorkerPool } from '../../host/pool/index.js'
import type { LoadedFunction } from '../../host/sandbox/types.js'
import { eventually } from '../helpers/fsdir.js'
import { invokeOptions, jsPoolOptions, rejection, sleep, specOf } from './helpers.js'
import { invokeHttp } from '../helpers/invoke.js'

const OK = `export default () => new Response('ok')`

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

  /** A JS function (QuickJS) that holds `heldMb` MiB from its load on, in a sandbox capped at `memoryMb`. */
  const holding = (name: string, heldMb: number, handler = `() => new Response('ok')`) =>
    specOf(
      name,
      `const held = new Uint8Array(${heldMb} * 1024 * 1024); held[0] = 1
       export default ${handler}`,
      { memoryMb: 64 },
      'quickjs',
    )
  const mb = (name: string) => pool?.stats().memoryMbByFunction[name] ?? 0

  it('charges what a sandbox uses, not its cap: small functions all stay loaded', async () => {
    // 24 caps of 128 MB are 3 GB against a 256 MB budget; what each uses is under 2 MB.
    const p = start({ maxSandboxMemoryMb: 256, drivers: {} })
    const fns = []
    for (let i = 0; i < 24; i++)
      fns.push(await p.load(specOf(`s${i}`, OK, { memoryMb: 128 }, 'quickjs')))
    for (const fn of fns) expect(await call(fn)).toBe('ok')
    const stats = p.stats()
    expect(stats).toMatchObject({ sandboxes: 24, evictions: 0 })
    expect(stats.sandboxMemoryMb).toBeLessThan(24 * 2)
    // Less than the engine's memory (16 MiB), more than nothing.
    expect(mb('s0')).toBeGreaterThan(0.1)
    expect(mb('s0')).toBeLessThan(2)
  })

  it('evicts the least recently used idle sandbox to make room, and reloads it when needed', async () => {
    const p = start({ maxSandboxMemoryMb: 64, drivers: {} })
    const a = await p.load(holding('a', 28))
    const b = await p.load(holding('b', 28))
    expect(mb('a')).toBeGreaterThan(28)
    await call(b)
    // c is charged an engine's initial 16 MB while it loads: a, the least recently used, goes.
    const c = await p.load(holding('c', 28))
    expect(p.stats()).toMatchObject({ sandboxes: 2, evictions: 1 })
    expect(mb('a')).toBe(0)
    expect(await call(c)).toBe('ok')
    expect(await call(a)).toBe('ok')
    expect(p.stats().sandboxMemoryMb).toBeLessThanOrEqual(64)
  })

  it('a sandbox that grows is charged what it grew to, and idle ones make way', async () => {
    const p = start({ maxSandboxMemoryMb: 64, drivers: {} })
    const small = []
    for (let i = 0; i < 4; i++) small.push(await p.load(holding(`s${i}`, 8)))
    for (const fn of small) await call(fn)
    const grow = await p.load(
      specOf(
        'grow',
        `const kept = []
         export default () => { kept.push(new Uint8Array(12 * 1024 * 1024).fill(1)); return new Response(String(kept.length)) }`,
        { memoryMb: 64 },
        'quickjs',
      ),
    )
    expect(p.stats().evictions).toBe(0)
    for (let i = 1; i <= 3; i++) expect(await call(grow)).toBe(String(i))
    expect(mb('grow')).toBeGreaterThan(36)
    // 4 x ~8.5 + ~36.5 is past 64: the least recently used small ones were evicted.
    const stats = p.stats()
    expect(stats.evictions).toBeGreaterThan(0)
    expect(mb('s0')).toBe(0)
    expect(stats.sandboxMemoryMb).toBeLessThanOrEqual(64)
    expect(await call(small[0]!)).toBe('ok')
  })

  it('refuses to load past the budget when every sandbox is busy', async () => {
    const p = start({ maxSandboxMemoryMb: 64, drivers: {} })
    const hang = `() => new Promise((resolve) => setTimeout(() => resolve(new Response('late')), 60000))`
    const busy = [await p.load(holding('a', 28, hang)), await p.load(holding('b', 28, hang))]
    const pending = busy.map((fn) =>
      rejection(invokeHttp(fn, new Request('http://h/'), invokeOptions(300).opts)),
    )
    await sleep(30)
    const e = await rejection(p.load(holding('c', 28)))
    expect(e).toMatchObject({ code: 'OVERLOADED', retryAfterS: 1 })
    await Promise.all(pending)
    expect(await call(await p.load(holding('c', 28)))).toBe('ok')
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
