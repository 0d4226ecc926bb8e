import { encodeMicroRequest } from '../../host/sandbox/micro/request.js'

/** The request buffer of every module in the corpus (fnmicro.h's default FNM_REQ_CAP). */
export const REQ_CAP = 16384

export interface CorpusEntry {
  label: string
  make(): Request
}

const BASE = 'http://localhost'
const text = new TextEncoder()

function bytes(n: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff
  return out
}

function request(path: string, init: RequestInit = {}): () => Request {
  return () => new Request(BASE + path, init)
}

/** A POST whose encoded request is exactly `total` bytes: method, path, headers, then body. */
function sized(total: number): () => Request {
  const headers = { 'content-type': 'application/octet-stream' }
  const probe = new Request(BASE + '/fn/sized', { method: 'POST', headers })
  const overhead = encodeMicroRequest({
    type: 'http',
    method: 'POST',
    url: probe.url,
    path: '/fn/sized',
    query: '',
    route: '/fn',
    params: {},
    headers: [...probe.headers],
    body: null,
    requestId: 'sized',
  }).bytes.byteLength
  return request('/fn/sized', { method: 'POST', headers, body: bytes(total - overhead, 7) })
}

const manyHeaders: Record<string, string> = {}
for (let i = 0; i < 60; i++)
  manyHeaders[`x-h${String(i).padStart(2, '0')}`] = `value ${i} ${'v'.repeat(i)}`

/**
 * The requests every fnmicro module answers on every target, byte for byte: escaped queries, many
 * headers, bodies from empty to past the request buffer, non-UTF-8 bodies and header values.
 */
export const CORPUS: CorpusEntry[] = [
  { label: 'plain GET', make: request('/fn') },
  { label: 'query name', make: request('/fn?name=Ada') },
  { label: 'escaped query', make: request('/fn?name=A%20d%26a+x&redirect=') },
  { label: 'percent edge cases', make: request('/fn?a=%E2%9C%93&b=%zz&c=%4&name=%41%42') },
  { label: 'escaped path', make: request('/fn/caf%C3%A9/x%2Fy?q=%2F%3F%23') },
  { label: 'empty name', make: request('/fn?name=') },
  { label: 'name past 64 bytes', make: request(`/fn?name=${'n'.repeat(100)}`) },
  { label: 'redirect query', make: request('/fn?redirect=1') },
  { label: 'repeated keys', make: request('/fn?a=1&a=2&name=first&name=second') },
  { label: 'agent header', make: request('/fn', { headers: { 'X-Agent': 'curl/8 "q" \\' } }) },
  { label: '60 headers', make: request('/fn?a=h', { headers: manyHeaders }) },
  { label: 'long header', make: request('/fn', { headers: { 'x-long': 'L'.repeat(4000) } }) },
  { label: 'latin-1 header', make: request('/fn', { headers: { 'x-agent': 'caf\u00e9 \u00ff' } }) },
  { label: 'text POST', make: request('/fn?a=b', { method: 'POST', body: 'hello body' }) },
  { label: 'empty POST', make: request('/fn', { method: 'POST', body: '' }) },
  {
    label: 'JSON PUT',
    make: request('/fn', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ q: 'a "quoted" \\ value\n', n: [1, 2, 3] }),
    }),
  },
  {
    label: 'PATCH with control bytes',
    make: request('/fn', { method: 'PATCH', body: 'a\tb\r\nc\u0001' }),
  },
  { label: 'DELETE', make: request('/fn/42', { method: 'DELETE' }) },
  { label: 'OPTIONS', make: request('/fn', { method: 'OPTIONS' }) },
  {
    label: 'non-UTF-8 body',
    make: request('/fn', {
      method: 'POST',
      body: new Uint8Array([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28]),
    }),
  },
  {
    label: 'all byte values',
    make: request('/fn', { method: 'POST', body: bytes(256, 0).map((_, i) => i) }),
  },
  { label: '1 KiB body', make: request('/fn', { method: 'POST', body: bytes(1024, 1) }) },
  { label: '8 KiB body', make: request('/fn', { method: 'POST', body: bytes(8192, 2) }) },
  { label: 'one under the request buffer', make: sized(REQ_CAP - 1) },
  { label: 'exactly the request buffer', make: sized(REQ_CAP) },
  { label: 'one over the request buffer', make: sized(REQ_CAP + 1) },
  { label: '20 KiB body', make: request('/fn', { method: 'POST', body: bytes(20480, 3) }) },
  {
    label: 'UTF-8 body',
    make: request('/fn', { method: 'POST', body: text.encode('h\u00e9llo \u{1f600} w\u00f6rld') }),
  },
]
