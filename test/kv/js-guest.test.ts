import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { openKvStore } from '../../host/kv/backends.js'
import { KV_LIMIT_DEFAULTS } from '../../host/kv/limits.js'
import type { KvSettings } from '../../host/kv/options.js'
import { createQuickjsDriver } from '../../host/sandbox/quickjs/driver.js'
import type { LoadedFunction } from '../../host/sandbox/types.js'
import { invokeHttp } from '../helpers/invoke.js'
import { specFor } from '../helpers/spec.js'
import { get, invokeOptions } from '../sandbox/quickjs/helpers.js'
import { startRedis, type RedisServer } from './redis-server.js'

let root: string
let redis: RedisServer
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fnhost-kv-js-'))
  redis = await startRedis()
})
afterAll(async () => {
  rmSync(root, { recursive: true, force: true })
  await redis?.[Symbol.asyncDispose]()
})

let n = 0
const backends: [string, () => KvSettings][] = [
  [
    'sqlite',
    () => ({ backend: 'sqlite', dir: join(root, String(n++)), limits: KV_LIMIT_DEFAULTS }),
  ],
  [
    'redis',
    () => ({ backend: 'redis', url: redis.url, keyPrefix: `j${n++}:`, limits: KV_LIMIT_DEFAULTS }),
  ],
]

const loaded: LoadedFunction[] = []
afterEach(async () => {
  for (const fn of loaded.splice(0)) await fn[Symbol.asyncDispose]()
})

async function load(kv: KvSettings, name: string, body: string, config?: unknown) {
  const source = `export default { async fetch(request, env, ctx) {
    try { const result = await (async () => { ${body} })(); return Response.json(result ?? null) }
    catch (e) { return Response.json({ threw: e.name, code: e.code, message: e.message }) } } }`
  const spec = { ...specFor(`/functions/${name}.js`, { source, config, name }), kv }
  const fn = await createQuickjsDriver().load(spec)
  loaded.push(fn)
  return async <T = unknown>() => {
    const res = await invokeHttp(fn, get(), invokeOptions())
    return (await res.json()) as T
  }
}

for (const [backend, settings] of backends)
  describe(`JS guest env.KV (${backend})`, () => {
    it('gets text, json and bytes, puts with a TTL, lists pages, increments, deletes', async () => {
      const kv = settings()
      const run = await load(
        kv,
        'api/store',
        `
        await env.KV.put('text', 'héllo')
        await env.KV.put('json', JSON.stringify({ a: [1, 2] }))
        await env.KV.put('bytes', new Uint8Array([0, 1, 255]))
        await env.KV.put('temp', 'x', { ttl: 60 })
        for (let i = 0; i < 5; i++) await env.KV.put('page:' + i, String(i))
        const first = await env.KV.list({ prefix: 'page:', limit: 2 })
        const second = await env.KV.list({ prefix: 'page:', limit: 2, cursor: first.cursor })
        const rest = await env.KV.list({ prefix: 'page:', cursor: second.cursor })
        const counts = [await env.KV.increment('n'), await env.KV.increment('n', 10)]
        await env.KV.delete('text')
        return {
          text: await env.KV.get('json'),
          json: await env.KV.get('json', { type: 'json' }),
          shorthand: await env.KV.get('json', 'json'),
          bytes: [...new Uint8Array(await env.KV.get('bytes', { type: 'arrayBuffer' }))],
          gone: await env.KV.get('text'),
          missing: await env.KV.get('nope', { type: 'json' }),
          temp: (await env.KV.list({ prefix: 'temp' })).keys[0].expiration > Date.now(),
          pages: [first, second, rest].map((p) => [p.keys.map((k) => k.name), p.list_complete]),
          counts,
          n: await env.KV.get('n'),
        }`,
      )
      expect(await run()).toEqual({
        text: '{"a":[1,2]}',
        json: { a: [1, 2] },
        shorthand: { a: [1, 2] },
        bytes: [0, 1, 255],
        gone: null,
        missing: null,
        temp: true,
        pages: [
          [['page:0', 'page:1'], false],
          [['page:2', 'page:3'], false],
          [['page:4'], true],
        ],
        counts: [1, 11],
        n: '11',
      })
      // The host sees what the guest wrote, in the function's own namespace.
      await using store = openKvStore(kv)
      expect(new TextDecoder().decode((await store.namespace('fn:api/store').get('n'))!)).toBe('11')
    })

    it('rejects past a limit with a KvError carrying the documented code', async () => {
      const run = await load(
        settings(),
        'limits',
        `
        const out = []
        for (const f of [
          () => env.KV.put('k'.repeat(1025), 'v'),
          () => env.KV.put('big', new Uint8Array(1024 * 1024 + 1)),
          () => env.KV.put('obj', { a: 1 }),
          () => env.KV.get('k', { type: 'stream' }),
          async () => { await env.KV.put('w', 'word'); return env.KV.increment('w') },
        ]) {
          try { await f(); out.push('ok') } catch (e) { out.push(e.name + ':' + (e.code ?? '')) }
        }
        return out`,
      )
      expect(await run()).toEqual([
        'KvError:KV_KEY_TOO_LARGE',
        'KvError:KV_VALUE_TOO_LARGE',
        'TypeError:',
        'TypeError:',
        'KvError:KV_NOT_A_NUMBER',
      ])
    })

    it('keeps functions apart; a shared namespace reaches only the functions granted it', async () => {
      const kv = settings()
      const a = await load(
        kv,
        'a',
        `await env.KV.put('k', 'from a'); await env.KV_SESSIONS.put('s', 'shared'); return Object.keys(env)`,
        { kv: ['sessions'], env: { PLAIN: 'x' } },
      )
      const b = await load(
        kv,
        'b',
        `return { own: await env.KV.get('k'), keys: Object.keys(env), sessions: typeof env.KV_SESSIONS }`,
      )
      const c = await load(
        kv,
        'c',
        `return { own: await env.KV.get('k'), shared: await env.KV_SESSIONS.get('s') }`,
        { kv: ['sessions'] },
      )
      expect(await a()).toEqual(['PLAIN', 'KV', 'KV_SESSIONS'])
      expect(await b()).toEqual({ own: null, keys: ['KV'], sessions: 'undefined' })
      expect(await c()).toEqual({ own: null, shared: 'shared' })
    })
  })

describe('JS guest env.KV without a store', () => {
  it('has no KV binding when the host has no store', async () => {
    const fn = await createQuickjsDriver().load(
      specFor('/functions/nokv.js', {
        source: `export default { fetch: (r, env) => Response.json(Object.keys(env)) }`,
      }),
    )
    loaded.push(fn)
    expect(await (await invokeHttp(fn, get(), invokeOptions())).json()).toEqual([])
  })
})
