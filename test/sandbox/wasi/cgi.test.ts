import { describe, expect, it } from 'vitest'
import { parseCgiResponse } from '../../../host/sandbox/wasm/cgi-response.js'
import { invokeOptions, loadWasm, rejection, wasm } from '../../helpers/wasm.js'
import { invokeHttp, responseOf } from '../../helpers/invoke.js'

async function cgiEnv(request: Request, config = {}): Promise<Record<string, string>> {
  await using fn = await loadWasm(wasm('fixtures/cgi-env'), config)
  const text = await (
    await invokeHttp(fn, request, invokeOptions({ requestId: 'req-42' }).opts)
  ).text()
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  )
}

const cgi = (text: string) => parseCgiResponse(new TextEncoder().encode(text), 'stdout')

describe('wasi driver: the WAGI/CGI contract', () => {
  it('hands the request over in CGI variables, HTTP_* headers, and the function env on top', async () => {
    const env = await cgiEnv(
      new Request('http://example.test:8080/items/7/more/x%20y?a=1&b=two', {
        method: 'POST',
        body: 'hello',
        headers: { 'content-type': 'text/plain', 'x-trace-id': 'abc' },
      }),
      { route: '/items/:id', env: { API_KEY: 'k', SERVER_NAME: 'override' } },
    )
    expect(env).toMatchObject({
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
      SERVER_PORT: '8080',
      REQUEST_METHOD: 'POST',
      SCRIPT_NAME: '/items/7',
      PATH_INFO: '/more/x y',
      X_RAW_PATH_INFO: '/more/x%20y',
      X_MATCHED_ROUTE: '/items/:id',
      QUERY_STRING: 'a=1&b=two',
      X_FULL_URL: 'http://example.test:8080/items/7/more/x%20y?a=1&b=two',
      CONTENT_TYPE: 'text/plain',
      CONTENT_LENGTH: '5',
      REQUEST_ID: 'req-42',
      CONTEXT_PATH: '/context',
      HTTP_X_TRACE_ID: 'abc',
      API_KEY: 'k',
      SERVER_NAME: 'override',
    })
    expect(env.REMOTE_ADDR).toBe('')
  })

  it('splits the path on the route the invocation says matched', async () => {
    const env = await cgiEnv(new Request('http://h/fn/a/b'))
    expect([env.SCRIPT_NAME, env.PATH_INFO, env.X_MATCHED_ROUTE]).toEqual(['/fn', '/a/b', '/fn'])
    const exact = await cgiEnv(new Request('http://h/fn'))
    expect([exact.SCRIPT_NAME, exact.PATH_INFO]).toEqual(['/fn', ''])
    expect(exact.CONTENT_LENGTH).toBeUndefined()
  })

  it('answers with /context/response.json when the guest writes it, ignoring stdout', async () => {
    await using fn = await loadWasm(wasm('conformance/context-response'))
    const res = await invokeHttp(
      fn,
      new Request('http://h/fn', { method: 'DELETE' }),
      invokeOptions().opts,
    )
    expect(res.status).toBe(202)
    expect(res.headers.get('x-from')).toBe('context')
    expect(await res.json()).toEqual({ via: 'context', method: 'DELETE' })
  })

  it('streams a large body through stdin', async () => {
    await using fn = await loadWasm(wasm('fixtures/sdk-stream'))
    const body = new Uint8Array(5_000_000).map((_, i) => i % 251)
    const sum = body.reduce((s, b) => (s + b) >>> 0, 0)
    const res = await invokeHttp(
      fn,
      new Request('http://h/fn', { method: 'POST', body }),
      invokeOptions().opts,
    )
    expect(await res.text()).toBe(`5000000 ${sum} 5000\n`)
  })

  it('parses CGI output: status, location, repeated headers, CRLF, and drops framing headers', async () => {
    const res = responseOf(
      cgi(
        'Status: 404 Not Found\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\ncontent-length: 99\r\n\r\nnope',
      ),
    )
    expect(res.status).toBe(404)
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    expect(res.headers.get('content-length')).toBeNull()
    expect(await res.text()).toBe('nope')
    expect(cgi('location: /x\n\n').status).toBe(302)
    expect(cgi('status: 204\n\nignored').body).toBeNull()
    expect(await responseOf(cgi('content-type: text/plain\n')).text()).toBe('')
  })

  it('refuses CGI output that is not headers first, or an impossible status', async () => {
    expect(() => cgi('')).toThrow(/wrote nothing to stdout/)
    expect(() => cgi('hello world\n\n')).toThrow(/line 1 is not a header/)
    expect(() => cgi('status: 99\n\n')).toThrow(/invalid status header '99'/)
    expect(() => cgi('status: 1000\n\n')).toThrow(/invalid status/)
    const err = await rejection(Promise.resolve().then(() => cgi('x: ' + 'y'.repeat(70_000))))
    expect(err.code).toBe('GUEST_BAD_RESPONSE')
  })
})
