import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { KV_LIMIT_DEFAULTS } from '../../host/kv/limits.js'
import type { KvSettings } from '../../host/kv/options.js'
import { createQuickjsDriver } from '../../host/sandbox/quickjs/driver.js'
import type { LoadedFunction } from '../../host/sandbox/types.js'
import { wasiDriver } from '../../host/sandbox/wasi/driver.js'
import { invokeHttp } from '../helpers/invoke.js'
import { specFor } from '../helpers/spec.js'
import { invokeOptions, wasm, wasmSpec } from '../helpers/wasm.js'
import { startRedis, type RedisServer } from './redis-server.js'

let root: string
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fnhost-kv-c-'))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const sqlite = (limits = {}): KvSettings => ({
  backend: 'sqlite',
  dir: join(root, String(n++)),
  limits: { ...KV_LIMIT_DEFAULTS, ...limits },
})

const loaded: LoadedFunction[] = []
afterEach(async () => {
  for (const fn of loaded.splice(0)) await fn[Symbol.asyncDispose]()
})

type Call = (
  query: string,
  body?: string | Uint8Array<ArrayBuffer>,
) => Promise<{ status: number; text: string }>

async function cFunction(kv: KvSettings, name: string, config = {}): Promise<Call> {
  const fn = await wasiDriver.load({ ...wasmSpec(wasm('fixtures/kv'), config, name), kv })
  loaded.push(fn)
  return async (query, body) => {
    const req = new Request(`http://localhost/${name}?${query}`, {
      method: body === undefined ? 'GET' : 'POST',
      body,
    })
    const res = await invokeHttp(fn, req, invokeOptions().opts)
    return { status: res.status, text: await res.text() }
  }
}

async function jsFunction(kv: KvSettings, name: string, body: string, config = {}) {
  const source = `export default { async fetch(request, env) { return new Response(await (async () => { ${body} })()) } }`
  const fn = await createQuickjsDriver().load({
    ...specFor(`/functions/${name}.js`, { source, config, name }),
    kv,
  })
  loaded.push(fn)
  return async () =>
    (await invokeHttp(fn, new Request('http://localhost/'), invokeOptions().opts)).text()
}

describe('C guests: fnhost_kv through fnh_kv_*', () => {
  it('a C guest reads what a JS guest wrote, and the other way round', async () => {
    const kv = sqlite()
    const js = await jsFunction(
      kv,
      'writer',
      `await env.KV_NOTES.put('greeting', 'héllo from JS'); await env.KV_NOTES.put('big', 'x'.repeat(5000)); return String(await env.KV_NOTES.get('count'))`,
      { kv: ['notes'] },
    )
    const c = await cFunction(kv, 'reader', { kv: ['notes'] })
    expect(await js()).toBe('null')
    expect(await c('op=get&ns=notes&key=greeting')).toEqual({ status: 200, text: 'héllo from JS' })
    // Larger than the SDK's first buffer: fnh_kv_get reads again with the full size.
    expect((await c('op=get&ns=notes&key=big')).text).toBe('x'.repeat(5000))
    expect(await c('op=incr&ns=notes&key=count&by=41')).toEqual({ status: 200, text: '41' })
    expect(await c('op=incr&ns=notes&key=count')).toEqual({ status: 200, text: '42' })
    expect(await js()).toBe('42')
  })

  it('uses its own namespace by default: put, get, delete, incr', async () => {
    const c = await cFunction(sqlite(), 'own')
    expect((await c('op=put&key=k', 'v1')).text).toBe('ok')
    expect((await c('op=get&key=k')).text).toBe('v1')
    expect((await c('op=delete&key=k')).text).toBe('1')
    expect((await c('op=delete&key=k')).text).toBe('0')
    expect(await c('op=get&key=k')).toEqual({ status: 409, text: '-1: no such key' })
    await c('op=put&key=w', 'word')
    expect((await c('op=incr&key=w')).text).toMatch(/^-6: /)
    expect((await c('op=get&key=w')).text).toBe('word')
  })

  it('cannot name a namespace it was not granted', async () => {
    const kv = sqlite()
    await (
      await jsFunction(kv, 'owner', `await env.KV.put('secret', 's'); return 'ok'`)
    )()
    const c = await cFunction(kv, 'intruder')
    for (const ns of ['notes', 'fn:owner', 'shared:notes', 'NOTES', '../owner'])
      expect((await c(`op=get&ns=${encodeURIComponent(ns)}&key=secret`)).text).toMatch(/^-7: /)
  })

  it('gets the documented codes past a limit, writing nothing', async () => {
    const c = await cFunction(sqlite({ quotaBytes: 2000 }), 'limits')
    expect((await c(`op=put&key=${'k'.repeat(1025)}`, 'v')).text).toMatch(/^-3: /)
    expect((await c('op=put&key=a', new Uint8Array(2000))).text).toMatch(/^-5: /)
    expect((await c('op=get&key=a')).status).toBe(409)
    const big = await cFunction(sqlite(), 'big')
    expect((await big('op=put&key=v', new Uint8Array(1024 * 1024 + 1))).text).toMatch(/^-4: /)
    expect((await big('op=put&key=v', new Uint8Array(1024 * 1024))).text).toBe('ok')
  })

  describe('with the Redis backend', () => {
    let redis: RedisServer
    beforeAll(async () => {
      redis = await startRedis()
    })
    afterAll(async () => {
      await redis?.[Symbol.asyncDispose]()
    })

    it('a C guest reads what a JS guest wrote, through the blocking bridge', async () => {
      const kv: KvSettings = {
        backend: 'redis',
        url: redis.url,
        keyPrefix: `c${n++}:`,
        limits: KV_LIMIT_DEFAULTS,
      }
      const js = await jsFunction(
        kv,
        'writer',
        `await env.KV_NOTES.put('greeting', 'hi from JS'); return String(await env.KV_NOTES.get('count'))`,
        { kv: ['notes'] },
      )
      const c = await cFunction(kv, 'reader', { kv: ['notes'] })
      expect(await js()).toBe('null')
      expect(await c('op=get&ns=notes&key=greeting')).toEqual({ status: 200, text: 'hi from JS' })
      expect((await c('op=incr&ns=notes&key=count&by=5')).text).toBe('5')
      expect(await js()).toBe('5')
      expect((await c('op=put&key=own', 'mine')).text).toBe('ok')
      expect((await c('op=get&key=own')).text).toBe('mine')
      expect((await c('op=delete&key=own')).text).toBe('1')
      expect((await c('op=get&key=own')).text).toMatch(/^-1: /)
      expect((await c('op=incr&ns=notes&key=greeting')).text).toMatch(/^-6: /)
      expect((await c(`op=put&key=${'k'.repeat(1025)}`, 'v')).text).toMatch(/^-3: /)
      expect((await c('op=get&ns=other&key=k')).text).toMatch(/^-7: /)
    })
  })
})
