import { describe, expect, it } from 'vitest'
import { wasiDriver } from '../../../host/sandbox/wasi/driver.js'
import {
  driverFor,
  invokeOptions,
  loadWasm,
  rejection,
  wasm,
  wasmSpec,
} from '../../helpers/wasm.js'
import {
  funcExport,
  funcImport,
  funcType,
  I32,
  manyFunctions,
  memoryImport,
  module,
  wagiModule,
} from '../../helpers/wasm-module.js'
import { invokeHttp } from '../../helpers/invoke.js'
import { scaled } from '../../helpers/time.js'

const hello = wasm('examples/hello')

async function refusal(bytes: Uint8Array, memoryMb?: number) {
  const err = await rejection(wasiDriver.load(wasmSpec(bytes, memoryMb ? { memoryMb } : {})))
  expect(err.code).toBe('FUNCTION_LOAD_FAILED')
  return err.message
}

describe('wasi driver: choosing and loading modules', () => {
  it('is chosen by the module, not the name: WAGI commands here, fnmicro modules elsewhere', () => {
    expect(driverFor(hello)?.kind).toBe('wasi')
    expect(driverFor(wasm('examples/micro-hello'))?.kind).toBe('micro')
    expect(wasiDriver.detect('hello.js', hello)).toBe(true)
    expect(wasiDriver.detect('x.wasm', new TextEncoder().encode('export default {}'))).toBe(false)
  })

  it('inspects a good module cleanly and names what is wrong with a bad one', async () => {
    await expect(wasiDriver.inspect('hello.wasm', hello)).resolves.toEqual({})
    await expect(wasiDriver.inspect('x.wasm', wagiModule(null))).rejects.toThrow(
      /declares no memory/,
    )
  })

  it('loads a module once and answers many requests, each on a fresh instance', async () => {
    await using fn = await loadWasm(hello)
    for (let i = 0; i < 3; i++) {
      const res = await invokeHttp(fn, new Request('http://h/fn?name=R' + i), invokeOptions().opts)
      expect(await res.text()).toBe(`Hello, R${i}!\n`)
    }
  })

  it('refuses shared memory, memory64 and several memories, saying which', async () => {
    expect(await refusal(wagiModule([0x03, 0x01, 0x02]))).toMatch(/shared memory/)
    expect(await refusal(wagiModule([0x04, 0x01]))).toMatch(/64-bit memory/)
    const two = wagiModule([0x00, 0x01], [memoryImport('env', 'memory', [0x00, 0x01])], 0)
    expect(await refusal(two)).toMatch(/2 memories/)
  })

  it('refuses an initial memory above the cap, and a huge one at any cap', async () => {
    expect(await refusal(wagiModule([0x00, 0x81, 0x02]), 16)).toMatch(
      /initial memory is 16\.06 MiB.*cap of 16 MiB/,
    )
    expect(await refusal(wagiModule([0x00, 0x80, 0x80, 0x04]))).toMatch(/65536 pages.*memoryMb/)
  })

  it('refuses imports the host does not provide, WASI imports of the wrong type, and no _start', async () => {
    const unknown = wagiModule(undefined, [funcImport('env', 'socket_open', 0)])
    expect(await refusal(unknown)).toMatch(
      /imports env\.socket_open, which fnhost does not provide/,
    )
    const wrongType = module({
      types: [funcType([I32], [I32])],
      imports: [funcImport('wasi_snapshot_preview1', 'fd_write', 1)],
      memories: [[0x00, 0x01]],
      bodies: [[]],
      exports: [funcExport('_start', 1)],
    })
    expect(await refusal(wrongType)).toMatch(
      /fd_write as \(i32->i32\); WASI defines \(i32,i32,i32,i32->i32\)/,
    )
    expect(await refusal(module({ memories: [[0x00, 0x01]] }))).toMatch(/exports no _start/)
  })

  it('refuses a module with a million functions before compiling it', async () => {
    const big = manyFunctions(1_000_000)
    const start = performance.now()
    expect(await refusal(big)).toMatch(/1000000 functions; the limit is 100000/)
    expect(performance.now() - start).toBeLessThan(scaled(1000))
  })

  it('refuses a truncated module with the reason', async () => {
    expect(await refusal(hello.subarray(0, hello.length - 100))).toMatch(/unexpected end|section/)
    expect(await refusal(hello.subarray(0, 8))).toMatch(/_start/)
  })

  it('refuses a 100 MB garbage upload quickly, without holding copies of it', async () => {
    const garbage = new Uint8Array(100 * 1024 * 1024)
    // The same bytes every run (a fixed-seed generator): the parser's complaint depends on them.
    let seed = 0x2545f491
    for (let i = 0; i < 1024 * 1024; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      garbage[i] = seed >>> 24
    }
    garbage.set([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])
    const spec = wasmSpec(garbage)
    const before = process.memoryUsage().arrayBuffers
    const start = performance.now()
    const err = await rejection(wasiDriver.load(spec))
    expect(performance.now() - start).toBeLessThan(scaled(200))
    expect(err.message).toMatch(/104857600 bytes; the limit is 67108864/)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024)
    const small = garbage.subarray(0, 4 * 1024 * 1024)
    expect(await refusal(small)).toMatch(/section|unexpected end|LEB128|longer than|unsupported/)
  })
})
