import { describe, expect, it } from 'vitest'
import { invokeOptions, loadWasm, wasm } from '../../helpers/wasm.js'
import { invokeHttp } from '../../helpers/invoke.js'

describe('the C SDK (fnhost.h) through fixture handlers', () => {
  it('reads method, path, decoded query, route params, headers and the body; writes status and headers', async () => {
    await using fn = await loadWasm(wasm('fixtures/sdk'), { route: '/things/:id' })
    const res = await invokeHttp(
      fn,
      new Request('http://h/things/t-9/sub?a=x%2By+z%C3%A9&b=2&a=second', {
        method: 'PUT',
        body: 'line "one"\n\ttab',
        headers: { 'X-Custom-Header': 'v1', 'content-type': 'text/plain' },
      }),
      invokeOptions().opts,
    )
    expect(res.status).toBe(202)
    expect(res.headers.get('x-sdk')).toBe('1')
    expect(await res.json()).toEqual({
      method: 'PUT',
      path: '/things/t-9/sub',
      path_info: '/sub',
      query_string: 'a=x%2By+z%C3%A9&b=2&a=second',
      a: 'x+y zé',
      missing: null,
      id: 't-9',
      header: 'v1',
      ctype: 'text/plain',
      length: 15,
      body: 'line "one"\n\ttab',
      escaped: { full: 19, kept: 'line \\"one\\"\\n\\' },
    })
  })

  it('finds no param and no body when there are none', async () => {
    await using fn = await loadWasm(wasm('fixtures/sdk'))
    const res = await invokeHttp(fn, new Request('http://h/fn'), invokeOptions().opts)
    expect(await res.json()).toMatchObject({
      path: '/fn',
      path_info: '',
      id: null,
      body: '',
      length: 0,
    })
  })

  it('gives the guest wall-clock time, a monotonic clock and random bytes', async () => {
    await using fn = await loadWasm(wasm('fixtures/clock-random'))
    const res = await invokeHttp(fn, new Request('http://h/fn'), invokeOptions().opts)
    expect(await res.json()).toEqual({ year_ok: true, monotonic_ok: true, random_differs: true })
  })

  it('runs emscripten STANDALONE_WASM output that grows its memory', async () => {
    await using fn = await loadWasm(wasm('fixtures/emcc-grow'))
    for (let i = 0; i < 2; i++) {
      const res = await invokeHttp(fn, new Request('http://h/fn'), invokeOptions().opts)
      expect(await res.text()).toBe('grew 4096 KiB\n')
    }
  })
})
