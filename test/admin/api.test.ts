import { createHash } from 'node:crypto'
import { readdir, readFile, symlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { packageRoot } from '../../host/paths.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, type TestHost } from '../helpers/host.js'

const ADMIN_KEY = 'admin-key-for-the-tests-0123'
const SECRET = 'a-test-secret-that-is-long-enough-for-hs256'
const API = '/_fnhost/v1'
const JS = { 'content-type': 'application/javascript' }

const fn = (text: string) => `export default { fetch: () => new Response(${JSON.stringify(text)}) }`
const sha = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex')

type Json = Record<string, unknown>

describe('management API', () => {
  let dir: TempDir
  let host: TestHost
  afterEach(async () => {
    await host?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })

  async function start(files: Record<string, string> = {}, config: Json = {}) {
    dir = await functionsDir(files)
    host = await startHost('real server', {
      dir: dir.path,
      config: { admin: { key: ADMIN_KEY }, auth: { jwtSecret: SECRET }, ...config },
    })
  }

  function admin(path: string, init: RequestInit = {}, key = ADMIN_KEY) {
    const headers = new Headers(init.headers)
    headers.set('authorization', `Bearer ${key}`)
    return host.call(API + path, { ...init, headers })
  }

  const put = (
    name: string,
    body: string | Uint8Array<ArrayBuffer>,
    headers: Record<string, string> = JS,
  ) => admin(`/functions/${name}`, { method: 'PUT', headers, body })

  async function text(path: string) {
    const res = await host.call(path)
    return `${res.status} ${await res.text()}`
  }

  it('is off without a key: 404 with a hint', async () => {
    dir = await functionsDir({})
    host = await startHost('real server', { dir: dir.path })
    const res = await host.call(`${API}/functions`, { headers: { authorization: 'Bearer x' } })
    expect(res.status).toBe(404)
    expect(((await res.json()) as Json).message).toMatch(
      /management API is off; set FNHOST_ADMIN_KEY/,
    )
  })

  it('answers 401 without the key and with a wrong one', async () => {
    await start()
    const none = await host.call(`${API}/functions`)
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(((await none.json()) as Json).message).toMatch(/Authorization: Bearer/)
    for (const key of ['wrong', ADMIN_KEY + 'x', ADMIN_KEY.slice(0, -1)]) {
      const res = await admin('/functions', {}, key)
      expect(res.status).toBe(401)
      expect(((await res.json()) as Json).message).toBe('wrong admin key')
    }
    expect((await put('x', fn('x'), JS)).status).toBe(201)
  })

  it('deploys, lists, serves by route, updates with If-Match, deletes; one audit line per change', async () => {
    await start()
    const v1 = fn('v1')
    const created = await put('hello', v1)
    expect(created.status).toBe(201)
    const info = (await created.json()) as Json
    expect(info).toMatchObject({
      name: 'hello',
      route: '/hello',
      driver: 'quickjs',
      state: 'ready',
    })
    expect(info.version).toBe(sha(v1))
    expect(await text('/hello')).toBe('200 v1')

    const list = (await (await admin('/functions')).json()) as { functions: Json[] }
    expect(list.functions.map((f) => f.name)).toEqual(['hello'])
    const one = await admin('/functions/hello')
    expect(one.headers.get('etag')).toBe(`"${sha(v1)}"`)
    expect(await one.json()).toMatchObject({ methods: expect.any(Array), private: false })

    const v2 = fn('v2')
    const stale = await put('hello', v2, { ...JS, 'if-match': `"${sha('other')}"` })
    expect(stale.status).toBe(412)
    expect(await text('/hello')).toBe('200 v1')
    const updated = await put('hello', v2, { ...JS, 'if-match': `"${sha(v1)}"` })
    expect(updated.status).toBe(200)
    expect(await text('/hello')).toBe('200 v2')
    expect(await readFile(join(dir.path, 'hello.js'), 'utf8')).toBe(v2)
    const noIfMatch = await put('hello', fn('v3'))
    expect(noIfMatch.status).toBe(200)
    expect(await text('/hello')).toBe('200 v3')

    expect(
      (await admin('/functions/hello', { method: 'DELETE', headers: { 'if-match': sha(v1) } }))
        .status,
    ).toBe(412)
    expect((await admin('/functions/hello', { method: 'DELETE' })).status).toBe(204)
    expect((await host.call('/hello')).status).toBe(404)
    expect((await admin('/functions/hello')).status).toBe(404)
    expect((await admin('/functions/hello', { method: 'DELETE' })).status).toBe(404)

    const audit = host.logs.filter((l) => l.fields.audit).map((l) => l.message)
    expect(audit).toEqual([
      expect.stringMatching(/^admin create hello version=[0-9a-f]{64} route=\/hello$/),
      expect.stringMatching(/^admin update hello /),
      expect.stringMatching(/^admin update hello /),
      'admin delete hello',
    ])
  })

  it('refuses a broken upload with 422 and the old version keeps serving', async () => {
    await start()
    await put('hello', fn('good'))
    for (const [body, headers, why] of [
      ['export default {', JS, /SyntaxError|expecting/i],
      [fn('x'), { ...JS, 'x-fnhost-config': '{"nope": 1}' }, /Unrecognized key: "nope"/],
      [fn('x'), { ...JS, 'x-fnhost-config': '{not json' }, /not valid JSON/],
      [
        new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]),
        { 'content-type': 'application/wasm' },
        /.+/,
      ],
    ] as const) {
      const res = await put('hello', body, headers)
      expect(res.status, String(body)).toBe(422)
      const err = (await res.json()) as Json
      expect(err.error).toBe('INVALID_FUNCTION')
      expect(err.message).toMatch(why)
      expect(await text('/hello')).toBe('200 good')
    }
    expect((await readdir(dir.path)).sort()).toEqual(['.fnhost-journal', 'hello.js'])
    expect((await put('hello', 'x', { 'content-type': 'text/plain' })).status).toBe(415)
  })

  it('deploys wasm and nested names, with a config header, and replaces a function of another kind', async () => {
    await start()
    const wasm = await readFile(join(packageRoot, 'guests/examples/c/hello.wasm'))
    const res = await put('api/greet', wasm, {
      'content-type': 'application/wasm',
      'x-fnhost-config': JSON.stringify({ route: '/greet', methods: ['GET'] }),
    })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ route: '/greet', driver: 'wasi' })
    expect(await text('/greet?name=Ada')).toMatch(/^200 .*Ada/)
    expect((await host.call('/greet', { method: 'POST' })).status).toBe(405)
    expect(JSON.parse(await readFile(join(dir.path, 'api/greet.json'), 'utf8'))).toEqual({
      route: '/greet',
      methods: ['GET'],
    })
    // The same name as JavaScript: the .wasm goes, and so does the sidecar (none was sent).
    expect((await put('api/greet', fn('js now'))).status).toBe(200)
    expect(await text('/api/greet')).toBe('200 js now')
    expect((await readdir(join(dir.path, 'api'))).sort()).toEqual(['greet.js'])
  })

  it('takes the file and its config as multipart/form-data', async () => {
    await start()
    const form = new FormData()
    form.set('file', new Blob([fn('multi')], { type: 'application/javascript' }), 'm.js')
    form.set('config', JSON.stringify({ route: '/multi' }))
    const res = await admin('/functions/m', { method: 'PUT', body: form })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ route: '/multi' })
    expect(await text('/multi')).toBe('200 multi')
    const noFile = new FormData()
    noFile.set('config', '{}')
    expect((await admin('/functions/m', { method: 'PUT', body: noFile })).status).toBe(400)
  })

  it('sets routes, refuses conflicts with 409, lists routes', async () => {
    await start()
    await put('a', fn('A'))
    await put('b', fn('B'))
    const route = (body: Json) =>
      admin('/routes', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const moved = await route({ path: '/x/:id', function: 'a' })
    expect(moved.status).toBe(200)
    expect(await moved.json()).toMatchObject({ name: 'a', route: '/x/:id' })
    expect(await text('/x/1')).toBe('200 A')
    expect((await host.call('/a')).status).toBe(404)
    const conflict = await route({ path: '/b', function: 'a' })
    expect(conflict.status).toBe(409)
    expect(((await conflict.json()) as Json).message).toMatch(/route \/b is already served by b/)
    expect(await text('/x/1')).toBe('200 A')
    expect((await put('c', fn('C'), { ...JS, 'x-fnhost-config': '{"route":"/b"}' })).status).toBe(
      409,
    )
    expect((await route({ path: '/_fnhost/x', function: 'a' })).status).toBe(422)
    expect((await route({ path: 'no-slash', function: 'a' })).status).toBe(422)
    expect((await route({ path: '/y', function: 'nobody' })).status).toBe(404)
    const routes = (await (await admin('/routes')).json()) as { routes: Json[] }
    expect(routes.routes).toEqual([
      { route: '/x/:id', function: 'a', state: 'ready' },
      { route: '/b', function: 'b', state: 'ready' },
    ])
  })

  it('refuses name attacks before anything is written', async () => {
    await start()
    const parent = await readdir(dirname(dir.path))
    for (const name of [
      '..%2Fx',
      '%2E%2E%2Fx',
      '.hidden',
      'a/.hidden',
      'a//b',
      'a%00b',
      'a%2F%2Fb',
      'a%5Cb',
      '_private',
      'fnhost',
      'x'.repeat(200),
    ]) {
      const res = await put(name, fn('pwned'))
      expect(res.status, name).toBe(400)
      expect(((await res.json()) as Json).message).toMatch(/^invalid function name/)
    }
    // Unencoded dot segments are resolved by the URL before routing: they never name a function.
    for (const path of ['/functions/../x', '/functions/%2e%2e', '/functions/a/../../../../x']) {
      const res = await admin(path, { method: 'PUT', headers: JS, body: fn('pwned') })
      expect(res.status, path).toBe(404)
    }
    expect(await readdir(dir.path)).toEqual([])
    expect(await readdir(dirname(dir.path))).toEqual(parent)
  })

  it('never writes through a symlinked folder to outside the functions folder', async () => {
    await start()
    await using outside = await functionsDir({})
    await symlink(outside.path, join(dir.path, 'link'))
    for (const name of ['link/x', 'link/deeper/x']) {
      const res = await put(name, fn('escaped'))
      expect(res.status, name).toBe(400)
      expect(((await res.json()) as Json).message).toMatch(/lies outside the functions folder/)
    }
    expect(await readdir(outside.path)).toEqual([])
  })

  it('refuses a body over the limit with 413', async () => {
    await start({}, { admin: { key: ADMIN_KEY, maxUploadBytes: { js: 1000, config: 100 } } })
    const big = fn('x'.repeat(2000))
    const res = await put('big', big)
    expect(res.status).toBe(413)
    expect(((await res.json()) as Json).error).toBe('BODY_TOO_LARGE')
    const bigConfig = await put('big', fn('x'), {
      ...JS,
      'x-fnhost-config': JSON.stringify({ env: { a: 'x'.repeat(200) } }),
    })
    expect(bigConfig.status).toBe(413)
    expect(await readdir(dir.path)).toEqual([])
  })

  it('invokes a function and mints tokens for private ones', async () => {
    await start()
    await put(
      'echo',
      `export default { fetch: async (req) => new Response(req.method + ' ' + new URL(req.url).pathname + ' ' + await req.text()) }`,
    )
    const inv = await admin('/functions/echo/invoke', {
      method: 'POST',
      body: JSON.stringify({ method: 'POST', path: '/echo/sub', body: 'hi' }),
    })
    expect(await inv.json()).toMatchObject({
      status: 200,
      body: 'POST /echo/sub hi',
      base64: false,
    })

    await put('p', fn('private!'), { ...JS, 'x-fnhost-config': '{"private":true}' })
    expect((await host.call('/p')).status).toBe(401)
    const minted = await admin('/tokens', {
      method: 'POST',
      body: JSON.stringify({ function: 'p', ttl: '5m' }),
    })
    const { token, expiresAt } = (await minted.json()) as { token: string; expiresAt: number }
    expect(expiresAt - Date.now() / 1000).toBeGreaterThan(290)
    expect(
      await (await host.call('/p', { headers: { authorization: `Bearer ${token}` } })).text(),
    ).toBe('private!')
    const other = await admin('/tokens', {
      method: 'POST',
      body: JSON.stringify({ function: 'echo' }),
    })
    const forEcho = ((await other.json()) as { token: string }).token
    expect(
      (await host.call('/p', { headers: { authorization: `Bearer ${forEcho}` } })).status,
    ).toBe(403)
    expect(
      (await admin('/tokens', { method: 'POST', body: '{"function":"p","ttl":"forever"}' })).status,
    ).toBe(400)
  })
})
