import { afterEach, describe, expect, it } from 'vitest'
import { collectingLog, disposeAll, get, invokeOptions, loadJs } from './helpers.js'
import { invokeHttp } from '../../helpers/invoke.js'
import { scaled } from '../../helpers/time.js'

afterEach(disposeAll)

async function answer(
  fn: Awaited<ReturnType<typeof loadJs>>,
  req = get(),
  params: Record<string, string> = {},
) {
  const res = await invokeHttp(fn, req, invokeOptions({ params, requestId: 'req-42' }))
  return { status: res.status, headers: Object.fromEntries(res.headers), text: await res.text() }
}

describe('fetch style', () => {
  it('default object: fetch(request, env, ctx)', async () => {
    const fn = await loadJs(
      `export default { fetch(request, env, ctx) { return Response.json({ url: request.url, env, ctx: Object.keys(ctx), self: this === undefined }) } }`,
      { config: { env: { A: '1' } } },
    )
    expect(JSON.parse((await answer(fn, get('/fn/x'))).text)).toEqual({
      url: 'http://localhost/fn/x',
      env: { A: '1' },
      ctx: ['waitUntil', 'passThroughOnException', 'props', 'params'],
      self: false,
    })
  })

  it('default function: (request, ctx), with the route params in ctx.params', async () => {
    const fn = await loadJs(
      `export default async function (request, ctx) { return new Response(typeof ctx.waitUntil + ' ' + request.method + ' ' + ctx.params.id) }`,
    )
    expect((await answer(fn, get('/fn', { method: 'DELETE' }), { id: '9' })).text).toBe(
      'function DELETE 9',
    )
  })

  it('CommonJS: module.exports = { fetch } in .cjs, and a bundler-made default export', async () => {
    const cjs = await loadJs(`module.exports = { fetch: () => new Response('cjs') }`, {
      file: '/f/a.cjs',
    })
    const bundled = await loadJs(
      `Object.defineProperty(exports, '__esModule', { value: true }); exports.default = { fetch: () => new Response('bundled') }`,
      { file: '/f/b.js' },
    )
    expect((await answer(cjs)).text).toBe('cjs')
    expect((await answer(bundled)).text).toBe('bundled')
  })

  it('returns the response before ctx.waitUntil work ends, and that work still runs', async () => {
    const fn = await loadJs(`export default { fetch(request, env, ctx) {
      ctx.waitUntil(new Promise((r) => setTimeout(() => { console.log('later'); r() }, 30)))
      return new Response('now')
    } }`)
    const log = collectingLog()
    const started = Date.now()
    const res = await invokeHttp(fn, get(), invokeOptions({ log }))
    expect(Date.now() - started).toBeLessThan(scaled(30))
    expect(await res.text()).toBe('now')
    await new Promise((r) => setTimeout(r, 80))
    expect(log.text()).toBe('later')
  })
})

describe('event style', () => {
  it('passes the exact event and context shapes', async () => {
    const fn = await loadJs(
      `export async function handle(event, context) {
      return { event, context: { ...context, remaining: context.getRemainingTimeInMillis() } }
    }`,
      { config: { memoryMb: 64 } },
    )
    const req = get('/users/7?a=1&a=2&b=x%20y', {
      method: 'POST',
      headers: { 'x-a': 'A', 'content-type': 'application/json' },
      body: '{"k":1}',
    })
    const body = JSON.parse((await answer(fn, req, { id: '7' })).text)
    expect(body.event).toEqual({
      httpMethod: 'POST',
      path: '/users/7',
      headers: { 'content-type': 'application/json', 'x-a': 'A' },
      multiValueHeaders: { 'content-type': ['application/json'], 'x-a': ['A'] },
      queryStringParameters: { a: '2', b: 'x y' },
      multiValueQueryStringParameters: { a: ['1', '2'], b: ['x y'] },
      query: 'a=1&a=2&b=x%20y',
      pathParameters: { id: '7' },
      stageVariables: {},
      body: '{"k":1}',
      isBase64Encoded: false,
      requestContext: {
        eventType: 'http',
        httpMethod: 'POST',
        path: '/users/7',
        stage: '$default',
        requestId: 'req-42',
      },
      resource: 'http',
    })
    expect(body.context).toMatchObject({
      functionName: 'fn',
      memoryLimitInMb: 64,
      requestId: 'req-42',
    })
    expect(body.context.remaining).toBeGreaterThan(4000)
    expect(body.context.remaining).toBeLessThanOrEqual(5000)
  })

  it('finds handle, handler, config.handler, and CommonJS exports', async () => {
    const handle = await loadJs(`export const handle = () => ({ statusCode: 200, body: 'handle' })`)
    const handler = await loadJs(
      `export function handler() { return { statusCode: 200, body: 'handler' } }`,
    )
    const custom = await loadJs(
      `export const main = () => ({ statusCode: 200, body: 'main' }); export const handle = () => 'no'`,
      {
        config: { handler: 'main' },
      },
    )
    const cjs = await loadJs(
      `exports.handler = async (event) => ({ statusCode: 200, body: 'cjs ' + event.httpMethod })`,
      { file: '/f/e.cjs' },
    )
    expect((await answer(handle)).text).toBe('handle')
    expect((await answer(handler)).text).toBe('handler')
    expect((await answer(custom)).text).toBe('main')
    expect((await answer(cjs)).text).toBe('cjs GET')
  })

  it('sends other values as JSON with 200, undefined as an empty 200', async () => {
    const cases = [
      ['{ a: [1] }', '{"a":[1]}'],
      ["'text'", '"text"'],
      ['42', '42'],
      ['null', 'null'],
    ]
    for (const [value, json] of cases) {
      const fn = await loadJs(`export const handle = () => (${value})`)
      expect(await answer(fn)).toEqual({
        status: 200,
        headers: { 'content-type': 'application/json' },
        text: json,
      })
    }
    const empty = await loadJs(`export const handle = () => {}`)
    expect(await answer(empty)).toEqual({ status: 200, headers: {}, text: '' })
  })

  it('answers statusCode, headers, multiValueHeaders and base64 bodies', async () => {
    const fn = await loadJs(`export const handle = () => ({
      statusCode: 418, headers: { 'x-a': 1, 'x-b': true }, multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] },
      body: btoa('\\x00\\xff'), isBase64Encoded: true,
    })`)
    const res = await invokeHttp(fn, get(), invokeOptions())
    expect(res.status).toBe(418)
    expect(res.headers.get('x-a')).toBe('1')
    expect(res.headers.get('x-b')).toBe('true')
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([0, 255])
  })
})

describe('open-runtimes style', () => {
  it('passes req { payload, headers, env, method, path, query } and answers res.send / res.json', async () => {
    const fn = await loadJs(
      `module.exports = async (req, res) => req.method === 'GET' ? res.send('text', 201, { 'x-a': '1' }) : res.json({ req })`,
      { file: '/f/or.cjs', config: { env: { K: 'v' } } },
    )
    expect(await answer(fn)).toEqual({ status: 201, headers: { 'x-a': '1' }, text: 'text' })
    const posted = await answer(
      fn,
      get('/fn/p?q=1', { method: 'POST', body: 'raw body', headers: { 'x-h': 'H' } }),
    )
    expect(posted.status).toBe(200)
    expect(posted.headers['content-type']).toBe('application/json')
    expect(JSON.parse(posted.text)).toEqual({
      req: {
        payload: 'raw body',
        headers: { 'content-type': 'text/plain;charset=UTF-8', 'x-h': 'H' },
        env: { K: 'v' },
        method: 'POST',
        path: '/fn/p',
        query: { q: '1' },
      },
    })
  })

  it('a plain .js in CommonJS is detected as CommonJS', async () => {
    const fn = await loadJs(
      `const x = 1\nmodule.exports = async (req, res) => res.send('cjs ' + x)`,
      { file: '/f/plain.js' },
    )
    expect((await answer(fn)).text).toBe('cjs 1')
  })
})

describe('detection order and forcing', () => {
  const both = `export default { fetch: () => new Response('fetch') }
    export const handle = () => ({ statusCode: 200, body: 'event' })`

  it('prefers fetch, then event, then open-runtimes', async () => {
    expect((await answer(await loadJs(both))).text).toBe('fetch')
  })

  it('config.style forces a convention', async () => {
    expect((await answer(await loadJs(both, { config: { style: 'event' } }))).text).toBe('event')
    const forced = await loadJs(
      `export default async (req, res) => res.send('forced ' + req.method)`,
      {
        config: { style: 'open-runtimes' },
      },
    )
    expect((await answer(forced)).text).toBe('forced GET')
  })

  it('a forced style that the module lacks fails to load, naming what was expected', async () => {
    await expect(
      loadJs(`export default { fetch() {} }`, { config: { style: 'event' } }),
    ).rejects.toMatchObject({
      code: 'FUNCTION_LOAD_FAILED',
      message: expect.stringContaining(
        '`handle` or `handler` (event style); the module exports default',
      ),
    })
  })
})
