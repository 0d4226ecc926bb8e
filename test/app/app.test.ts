import { afterEach, describe, expect, it } from 'vitest'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, transports, type TestHost } from '../helpers/host.js'

const FILES = {
  'hello.js': `export default { fetch: (req) => new Response('hello ' + new URL(req.url).pathname) }`,
  'index.js': `export default { fetch: () => new Response('index') }`,
  'users/[id].js': `export default { fetch: (req, env, ctx) => Response.json({ path: new URL(req.url).pathname }) }`,
  'echo.js': `export default { async fetch(req) { return new Response(await req.text(), { status: 201 }) } }`,
  'echo.json': JSON.stringify({ methods: ['POST'], maxBodyBytes: 16 }),
  'custom.js': `export const config = { route: '/elsewhere/:name' }
export default { fetch: () => new Response('custom') }`,
  'broken.js': `export default { fetch( => }`,
  'badconfig.js': `export default { fetch: () => new Response('never') }`,
  'badconfig.json': JSON.stringify({ timeoutMs: 'soon', colour: 'red' }),
  'twice.js': `export const config = { timeoutMs: 5 }
export default { fetch: () => new Response('x') }`,
  'twice.json': '{}',
  'secret.js': `export const config = { private: true }\nexport default { fetch: () => new Response('secret') }`,
  '_private.js': `export default { fetch: () => new Response('private') }`,
  'notes.json': '{"not":"a sidecar"}',
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>
}

function expectError(body: Record<string, unknown>, status: number, code: string) {
  expect(body).toMatchObject({ code: status, error: code })
  expect(typeof body.message).toBe('string')
  expect(typeof body.requestId).toBe('string')
}

describe.each(transports)('the app via %s', (transport) => {
  let dir: TempDir
  let t: TestHost
  afterEach(async () => {
    await t?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })
  const start = async (files: Record<string, string> = FILES) => {
    dir = await functionsDir(files)
    t = await startHost(transport, { dir: dir.path })
    return t
  }

  it('serves file routes, the paths below them, params and the /r/ alias', async () => {
    const { call } = await start()
    expect(await (await call('/hello')).text()).toBe('hello /hello')
    expect(await (await call('/hello/x/y')).text()).toBe('hello /hello/x/y')
    expect(await (await call('/r/hello')).text()).toBe('hello /hello')
    expect(await (await call('//hello')).text()).toBe('hello //hello')
    expect(await (await call('/users/42')).json()).toEqual({ path: '/users/42' })
    expect(await (await call('/elsewhere/bob')).text()).toBe('custom')
    expect(await (await call('/custom')).text()).toBe('index')
    expect(await (await call('/')).text()).toBe('index')
  })

  it('puts a request id on every response and honours a sane incoming one', async () => {
    const { call } = await start()
    const ok = await call('/hello')
    expect(ok.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const given = await call('/hello', { headers: { 'x-request-id': 'abc-123' } })
    expect(given.headers.get('x-request-id')).toBe('abc-123')
    const bad = await call('/hello', { headers: { 'x-request-id': 'a b;c' } })
    expect(bad.headers.get('x-request-id')).not.toBe('a b;c')
    const err = await call('/echo')
    expect((await json(err)).requestId).toBe(err.headers.get('x-request-id'))
  })

  it('answers 404 FUNCTION_NOT_FOUND without an index function', async () => {
    const { call } = await start({ 'hello.js': FILES['hello.js'] })
    const res = await call('/nope')
    expect(res.status).toBe(404)
    expectError(await json(res), 404, 'FUNCTION_NOT_FOUND')
    expect((await call('/_private')).status).toBe(404)
    expect((await call('/_fnhost/nothing')).status).toBe(404)
  })

  it('filters methods with 405 and an Allow header', async () => {
    const { call } = await start()
    const res = await call('/echo')
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('POST')
    expectError(await json(res), 405, 'METHOD_NOT_ALLOWED')
    const ok = await call('/echo', { method: 'POST', body: 'small' })
    expect(ok.status).toBe(201)
    expect(await ok.text()).toBe('small')
  })

  it('refuses a body over the limit with 413', async () => {
    const { call } = await start()
    const res = await call('/echo', { method: 'POST', body: 'x'.repeat(17) })
    expect(res.status).toBe(413)
    expectError(await json(res), 413, 'BODY_TOO_LARGE')
    const exact = await call('/echo', { method: 'POST', body: 'x'.repeat(16) })
    expect(exact.status).toBe(201)
  })

  it('reports load failures with their reason while the others keep serving', async () => {
    const { call, logs } = await start()
    const broken = await call('/broken')
    expect(broken.status).toBe(500)
    const body = await json(broken)
    expectError(body, 500, 'FUNCTION_LOAD_FAILED')
    expect(body.message).toMatch(/broken/)
    const bad = await json(await call('/badconfig'))
    expectError(bad, 500, 'FUNCTION_LOAD_FAILED')
    expect(bad.message).toMatch(/timeoutMs/)
    expect(bad.message).toMatch(/colour/)
    const twice = await json(await call('/twice'))
    expect(twice.message).toMatch(/both in the source and in twice.json/)
    expect(await (await call('/hello')).text()).toBe('hello /hello')
    expect(logs.filter((l) => l.level === 'error').map((l) => l.fields.fn)).toEqual(
      expect.arrayContaining(['broken', 'badconfig', 'twice']),
    )
  })

  it('answers a route claimed twice with a load failure naming both files', async () => {
    const { call } = await start({
      'a.js': `export const config = { route: '/same' }\nexport default { fetch: () => new Response('a') }`,
      'b.js': `export const config = { route: '/same' }\nexport default { fetch: () => new Response('b') }`,
    })
    const body = await json(await call('/same'))
    expectError(body, 500, 'FUNCTION_LOAD_FAILED')
    expect(body.message).toMatch(/a\.js, b\.js/)
  })

  it('never resolves path tricks outside the folder or to another function', async () => {
    const { call } = await start({
      'hello.js': FILES['hello.js'],
      '_private.js': FILES['_private.js'],
    })
    for (const path of ['/hello/..%2f_private', '/hello/%2e%2e%2f_private', '/hello/%2F_private']) {
      const res = await call(path)
      expect(res.status, path).toBe(400)
      expectError(await json(res), 400, 'BAD_REQUEST')
    }
    for (const path of [
      '/../_private',
      '/hello/../_private',
      '/%2e%2e/_private',
      '/../../etc/passwd',
    ]) {
      const res = await call(path)
      expect(res.status, path).toBe(404)
      expectError(await json(res), 404, 'FUNCTION_NOT_FOUND')
    }
  })

  it('never serves a private function without JWT verification', async () => {
    const { call } = await start()
    const res = await call('/secret')
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/)
    const body = await json(res)
    expectError(body, 401, 'UNAUTHORIZED')
    expect(body.message).toMatch(/no JWT key configured/)
  })

  it('answers GET /_fnhost/health', async () => {
    const { call } = await start()
    const res = await call('/_fnhost/health')
    expect(res.status).toBe(200)
    const body = await json(res)
    expect(body).toMatchObject({ status: 'ok', functions: 9 })
    expect(typeof body.uptimeS).toBe('number')
  })
})
