import { afterEach, describe, expect, it } from 'vitest'
import { isFnhostError } from '../../../host/errors.js'
import type { GuestResponse, HttpInvocation } from '../../../host/invocation.js'
import { buildResponse, requestPayload } from '../../../host/sandbox/quickjs/marshal.js'
import { disposeAll, invokeOptions, loadJs } from './helpers.js'

afterEach(disposeAll)

/** How a fetch-style request and its answer cross into and out of QuickJS as lines (marshal.ts). */

function invocation(overrides: Partial<HttpInvocation> = {}): HttpInvocation {
  return {
    type: 'http',
    method: 'GET',
    url: 'http://localhost/fn?q=1',
    path: '/fn',
    query: 'q=1',
    route: '/fn',
    params: {},
    headers: [],
    body: null,
    requestId: 'req-1',
    ...overrides,
  }
}

const text = (res: GuestResponse) =>
  res.body instanceof Uint8Array ? new TextDecoder().decode(res.body) : res.body

const ECHO = `export default { fetch(request, env, ctx) {
  return Response.json({ method: request.method, url: request.url, params: ctx.params,
    pairs: [...request.headers], a: request.headers.get('x-a') })
} }`

function bad(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    if (isFnhostError(e) && e.code === 'GUEST_BAD_RESPONSE') return e.message
    throw e
  }
  throw new Error('expected GUEST_BAD_RESPONSE')
}

describe('request lines', () => {
  it('carry method, URL, params and every header (repeated and empty values too)', async () => {
    const headers: [string, string][] = [
      ['x-a', 'one'],
      ['x-a', 'two'],
      ['x-empty', ''],
      ['x-spaces', 'a  b'],
    ]
    const inv = invocation({ method: 'DELETE', headers, params: { id: '7', 'x y': 'z\u00e9' } })
    expect(requestPayload(inv, 'fetch', 0).meta.startsWith('DELETE\n')).toBe(true)
    const fn = await loadJs(ECHO)
    const res = await fn.invoke(inv, invokeOptions())
    expect(JSON.parse(text(res) as string)).toEqual({
      method: 'DELETE',
      url: 'http://localhost/fn?q=1',
      params: { id: '7', 'x y': 'z\u00e9' },
      pairs: [
        ['x-a', 'one, two'],
        ['x-empty', ''],
        ['x-spaces', 'a  b'],
      ],
      a: 'one, two',
    })
  })

  it('fall back to JSON when a value holds a line break, and the guest sees it whole', async () => {
    const inv = invocation({ headers: [['x-a', 'first\nsecond']] })
    expect(requestPayload(inv, 'fetch', 0).meta.startsWith('{')).toBe(true)
    const fn = await loadJs(ECHO)
    const res = await fn.invoke(inv, invokeOptions())
    expect(JSON.parse(text(res) as string).a).toBe('first\nsecond')
  })

  it('fall back to JSON for a method the guest would take for JSON', async () => {
    const inv = invocation({ method: '{X', headers: [['x-a', 'v']] })
    expect(requestPayload(inv, 'fetch', 0).meta.startsWith('{"method":')).toBe(true)
    const fn = await loadJs(ECHO)
    const res = await fn.invoke(inv, invokeOptions())
    expect(JSON.parse(text(res) as string)).toMatchObject({ method: '{X', a: 'v' })
  })

  it('are not used for a private caller or a per-call env (JSON carries those)', () => {
    const auth = { claims: { sub: 'u' } }
    expect(requestPayload(invocation({ auth }), 'fetch', 0).meta.startsWith('{')).toBe(true)
    const env = { A: '1' }
    expect(requestPayload(invocation({ env }), 'fetch', 0).meta.startsWith('{')).toBe(true)
  })
})

describe('answer lines', () => {
  it('keep a body with line breaks, an empty body apart from none, and repeated headers', async () => {
    const fn = await loadJs(`export default { fetch(request) {
      const kind = new URL(request.url).searchParams.get('kind')
      if (kind === 'none') return new Response(null, { status: 201, headers: { 'x-k': 'v' } })
      if (kind === 'empty') return new Response('')
      const headers = new Headers([['set-cookie', 'a=1'], ['set-cookie', 'b=2']])
      return new Response('\\nline 1\\n\\nline 3 \u00e9\\n', { status: 202, headers })
    } }`)
    const call = (kind: string) =>
      fn.invoke(invocation({ url: `http://localhost/fn?kind=${kind}` }), invokeOptions())
    const none = await call('none')
    expect(none).toEqual({ status: 201, headers: [['x-k', 'v']], body: null })
    const empty = await call('empty')
    expect(empty.status).toBe(200)
    expect(text(empty)).toBe('')
    const lines = await call('lines')
    expect(lines.status).toBe(202)
    expect(lines.headers).toEqual([
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['content-type', 'text/plain;charset=UTF-8'],
    ])
    expect(text(lines)).toBe('\nline 1\n\nline 3 \u00e9\n')
  })

  it('that are cut short or malformed are GUEST_BAD_RESPONSE, checked like any answer', () => {
    expect(bad(() => buildResponse('200\n2\nx-a\n1', undefined))).toMatch(/cut short/)
    expect(bad(() => buildResponse('200\nmany', undefined))).toMatch(/header count/)
    expect(bad(() => buildResponse('200\n-1', undefined))).toMatch(/header count/)
    expect(bad(() => buildResponse('', undefined))).toMatch(/cut short/)
    expect(bad(() => buildResponse('99\n0', undefined))).toMatch(/status/)
    expect(bad(() => buildResponse('200\n1\nbad name\nv', undefined))).toMatch(/header name/)
    expect(buildResponse('204\n0', undefined)).toEqual({ status: 204, headers: [], body: null })
  })
})
