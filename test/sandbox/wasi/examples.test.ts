import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { FunctionConfig } from '../../../host/config.js'
import { packageRoot } from '../../../host/paths.js'
import { invokeOptions, loadWasm, wasm } from '../../helpers/wasm.js'
import { invokeHttp } from '../../helpers/invoke.js'

const examples = join(packageRoot, 'guests/examples/c')

/** An example as `fnhost serve guests/examples` serves it: the copy beside its source, with its sidecar. */
async function example(name: string) {
  const bytes = new Uint8Array(readFileSync(join(examples, `${name}.wasm`)))
  expect(bytes).toEqual(wasm(`examples/${name}`))
  let config: FunctionConfig = {}
  try {
    config = JSON.parse(readFileSync(join(examples, `${name}.json`), 'utf8')) as FunctionConfig
  } catch {
    config = {}
  }
  return loadWasm(bytes, { route: `/c/${name}`, ...config }, `c/${name}`)
}

async function call(name: string, path: string, init?: RequestInit) {
  await using fn = await example(name)
  const res = await invokeHttp(fn, new Request('http://h' + path, init), invokeOptions().opts)
  return { status: res.status, type: res.headers.get('content-type'), res, text: await res.text() }
}

describe('the C examples answer what their comments say', () => {
  it('hello', async () => {
    expect(await call('hello', '/c/hello')).toMatchObject({ status: 200, text: 'Hello from C!\n' })
    expect((await call('hello', '/c/hello?name=Ada')).text).toBe('Hello, Ada!\n')
  })

  it('echo', async () => {
    const out = await call('echo', '/c/echo/extra?q=a%20b', {
      method: 'POST',
      body: 'ping',
      headers: { 'x-echo': 'yes' },
    })
    expect(out.res.headers.get('x-echoed-by')).toBe('fnhost-c')
    expect(out.text).toBe(
      'method: POST\npath: /c/echo/extra\npath_info: /extra\nq: a b\nx-echo: yes\nbody: ping\n',
    )
  })

  it('items (route /c/items/:id from its sidecar)', async () => {
    const ok = await call('items', '/c/items/2')
    expect([ok.status, ok.type, JSON.parse(ok.text)]).toEqual([
      200,
      'application/json',
      { id: 2, name: 'kettle', price_cents: 2499 },
    ])
    expect(await call('items', '/c/items/9')).toMatchObject({
      status: 404,
      text: '{"error":"no item 9"}',
    })
    expect(await call('items', '/c/items/abc')).toMatchObject({
      status: 400,
      text: '{"error":"id must be a number, got \\"abc\\""}',
    })
  })

  it('sha256', async () => {
    expect((await call('sha256', '/c/sha256', { method: 'POST', body: 'abc' })).text).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n',
    )
    expect((await call('sha256', '/c/sha256')).text).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n',
    )
  })

  it('wordcount (emscripten)', async () => {
    const out = await call('wordcount', '/c/wordcount', {
      method: 'POST',
      body: 'one two\nthree\n',
    })
    expect(JSON.parse(out.text)).toEqual({ lines: 2, words: 3, bytes: 14 })
  })

  it('micro-hello (fnmicro)', async () => {
    expect(await call('micro-hello', '/c/micro-hello')).toMatchObject({
      status: 200,
      type: 'text/plain',
      text: 'Hello from fnmicro!\n',
    })
    expect((await call('micro-hello', '/c/micro-hello?name=Ada')).text).toBe(
      'Hello, Ada, from fnmicro!\n',
    )
  })
})
