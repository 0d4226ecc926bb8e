import { afterEach, describe, expect, it } from 'vitest'
import { createPool, type WorkerPool } from '../../../host/pool/index.js'
import { invokeOptions, rejection, wasm, wasmSpec } from '../../helpers/wasm.js'
import { invokeHttp } from '../../helpers/invoke.js'
import { scaled } from '../../helpers/time.js'

describe('wasm guests in the worker pool', () => {
  let pool: WorkerPool | undefined
  afterEach(async () => {
    await pool?.[Symbol.asyncDispose]()
    pool = undefined
  })

  it('stops an infinite loop with CPU_LIMIT (504) and keeps serving afterwards', async () => {
    pool = createPool({ workers: 1, warmup: false, graceMs: 100 })
    const loop = await pool.load(wasmSpec(wasm('fixtures/loop'), { timeoutMs: 300 }, 'loop'))
    const start = Date.now()
    const err = await rejection(
      invokeHttp(
        loop,
        new Request('http://h/loop'),
        invokeOptions({ deadline: Date.now() + 300 }).opts,
      ),
    )
    expect(err.code).toBe('CPU_LIMIT')
    expect(Date.now() - start).toBeLessThan(scaled(5000))
    const hello = await pool.load(wasmSpec(wasm('examples/hello'), {}, 'hello'))
    const res = await invokeHttp(hello, new Request('http://h/hello'), invokeOptions().opts)
    expect(await res.text()).toBe('Hello from C!\n')
  })

  it('runs WAGI and fnmicro guests across the thread boundary', async () => {
    pool = createPool({ workers: 1, warmup: false })
    const micro = await pool.load(wasmSpec(wasm('examples/micro-hello'), {}, 'micro'))
    const res = await invokeHttp(
      micro,
      new Request('http://h/micro?name=Pool'),
      invokeOptions().opts,
    )
    expect(await res.text()).toBe('Hello, Pool, from fnmicro!\n')
    const trap = await pool.load(wasmSpec(wasm('fixtures/trap'), {}, 'trap'))
    const err = await rejection(
      invokeHttp(trap, new Request('http://h/trap'), invokeOptions().opts),
    )
    expect(err.code).toBe('GUEST_ERROR')
  })
})
