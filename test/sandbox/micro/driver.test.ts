import { describe, expect, it } from 'vitest'
import { microDriver } from '../../../host/sandbox/micro/driver.js'
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
  memoryExport,
  module,
} from '../../helpers/wasm-module.js'
import { invokeHttp } from '../../helpers/invoke.js'

const i32 = (n: number) => {
  const out = [0x41]
  let v = n
  for (;;) {
    const b = v & 0x7f
    v >>= 7
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) return [...out, b]
    out.push(b | 0x80)
  }
}

interface MicroParts {
  version?: number
  reqBuf?: number
  pages?: number
  extraBody?: number[]
  imports?: number[][]
  omit?: string
}

/** A hand-built fnmicro module: buffers at 1024 (request) and 2048 (response), 1 KiB each. */
function microModule(p: MicroParts = {}): Uint8Array {
  const names = [
    'fnm_abi_version',
    'fnm_req_buf',
    'fnm_req_cap',
    'fnm_resp_buf',
    'fnm_resp_cap',
    'fnm_handle',
  ]
  const bodies = [
    i32(p.version ?? 1),
    i32(p.reqBuf ?? 1024),
    i32(1024),
    i32(2048),
    i32(1024),
    i32(0),
  ]
  const imports = p.imports ?? []
  if (p.extraBody) bodies.push(p.extraBody)
  return module({
    types: [funcType([], [I32]), funcType([I32, I32, I32, I32], [I32]), funcType([I32, I32], [])],
    imports: imports.length ? imports : undefined,
    memories: [[0x00, p.pages ?? 1]],
    bodies,
    bodyTypes: [1, 1, 1, 1, 1, 2, 0],
    exports: [
      memoryExport('memory'),
      ...names
        .filter((n) => n !== p.omit)
        .map((n) => funcExport(n, imports.length + names.indexOf(n))),
    ],
  })
}

async function refusal(bytes: Uint8Array): Promise<string> {
  const err = await rejection(microDriver.load(wasmSpec(bytes)))
  expect(err.code).toBe('FUNCTION_LOAD_FAILED')
  return err.message
}

const get = (path = '/fn', init?: RequestInit) => new Request('http://h' + path, init)

describe('micro driver: the fnmicro profile', () => {
  it('is chosen for modules exporting fnm_handle, whatever the file is called', () => {
    expect(driverFor(microModule())?.kind).toBe('micro')
    expect(microDriver.detect('handler.js', microModule())).toBe(true)
    expect(microDriver.detect('x.wasm', wasm('examples/hello'))).toBe(false)
  })

  it('loads a module within the profile', async () => {
    await using fn = await loadWasm(microModule())
    expect(fn.spec.kind).toBe('micro')
  })

  it('refuses memory.grow, SIMD, more than one page, other imports and missing exports', async () => {
    expect(await refusal(microModule({ extraBody: [...i32(1), 0x40, 0x00, 0x1a] }))).toMatch(
      /uses memory\.grow/,
    )
    const simd = [0xfd, 0x0c, ...new Array<number>(16).fill(0), 0x1a]
    expect(await refusal(microModule({ extraBody: simd }))).toMatch(/uses SIMD instructions/)
    expect(await refusal(microModule({ pages: 2 }))).toMatch(/starts at 2 pages/)
    const wasi = microModule({ imports: [funcImport('wasi_snapshot_preview1', 'fd_write', 1)] })
    expect(await refusal(wasi)).toMatch(
      /imports func wasi_snapshot_preview1\.fd_write; fnmicro allows only fnmicro\.log/,
    )
    expect(await refusal(microModule({ omit: 'fnm_resp_cap' }))).toMatch(
      /exports no function fnm_resp_cap/,
    )
  })

  it('refuses a wrong ABI version or buffers outside the page at load', async () => {
    expect(await refusal(microModule({ version: 2 }))).toMatch(/fnm_abi_version\(\) is 2/)
    expect(await refusal(microModule({ reqBuf: 65000 }))).toMatch(
      /request buffer 65000\+1024 lies outside/,
    )
  })
})

describe('micro driver: requests', () => {
  it('passes method, path, query, headers and body through the request buffer', async () => {
    await using fn = await loadWasm(wasm('fixtures/micro-sdk'))
    const res = await invokeHttp(
      fn,
      get('/fn/x?a=caf%C3%A9+au+lait', {
        method: 'POST',
        body: 'data',
        headers: { 'X-Agent': 'probe' },
      }),
      invokeOptions().opts,
    )
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(await res.json()).toEqual({
      method: 'POST',
      path: '/fn/x',
      query: 'a=caf%C3%A9+au+lait',
      a: 'café au lait',
      agent: 'probe',
      body: 'data',
      body_len: 4,
    })
  })

  it('runs a fresh instance per request by default, and one shared instance when configured', async () => {
    const calls = async (config = {}) => {
      await using fn = await loadWasm(wasm('fixtures/micro-sdk'), config)
      const out: (string | null)[] = []
      for (let i = 0; i < 3; i++)
        out.push((await invokeHttp(fn, get(), invokeOptions().opts)).headers.get('x-calls'))
      return out
    }
    expect(await calls()).toEqual(['1', '1', '1'])
    expect(await calls({ isolation: 'request' })).toEqual(['1', '1', '1'])
    expect(await calls({ isolation: 'shared' })).toEqual(['1', '2', '3'])
  })

  it('answers the conformance hello', async () => {
    await using fn = await loadWasm(wasm('conformance/hello.micro'))
    const res = await invokeHttp(fn, get(), invokeOptions().opts)
    expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([
      200,
      'text/plain',
      'Hello, world!\n',
    ])
  })

  it('turns a trap into GUEST_ERROR, and a shared instance that trapped is replaced', async () => {
    for (const isolation of ['request', 'shared'] as const) {
      await using fn = await loadWasm(wasm('fixtures/micro-trap'), { isolation })
      for (let i = 0; i < 2; i++) {
        const err = await rejection(invokeHttp(fn, get(), invokeOptions().opts))
        expect([err.code, err.message]).toEqual(['GUEST_ERROR', 'function fn trapped: unreachable'])
      }
    }
  })

  it('fails on a negative return and on response overflow, keeping the log', async () => {
    await using fail = await loadWasm(wasm('fixtures/micro-fail'))
    const { opts, lines } = invokeOptions()
    const err = await rejection(invokeHttp(fail, get(), opts))
    expect([err.code, err.message]).toEqual([
      'GUEST_ERROR',
      'function fn failed: fnm_handle returned -7',
    ])
    expect(lines.map((l) => l.message)).toEqual(['giving up'])
    await using overflow = await loadWasm(wasm('fixtures/micro-overflow'))
    expect((await rejection(invokeHttp(overflow, get(), invokeOptions().opts))).message).toMatch(
      /returned -2/,
    )
  })

  it('refuses a request larger than the request buffer with BODY_TOO_LARGE', async () => {
    await using fn = await loadWasm(wasm('fixtures/micro-sdk'))
    const err = await rejection(
      invokeHttp(
        fn,
        get('/fn', { method: 'POST', body: 'x'.repeat(20_000) }),
        invokeOptions().opts,
      ),
    )
    expect(err.code).toBe('BODY_TOO_LARGE')
    expect(err.message).toMatch(/accepts 16384/)
  })

  it('throws on use after dispose', async () => {
    const fn = await loadWasm(wasm('examples/micro-hello'))
    await fn[Symbol.asyncDispose]()
    await expect(invokeHttp(fn, get(), invokeOptions().opts)).rejects.toThrow(/disposed/)
  })
})
