import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost, type Host } from '../../host/host.js'
import { createLogger, formatPretty, type LogLine } from '../../host/observe/log.js'
import { serve, type RunningServer, type ServerLimits } from '../../host/server.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { scaled } from '../helpers/time.js'

/** How long a trivial request may take on a busy machine. */
const SERVE_WITHIN_MS = scaled(1000)

/** Sends raw bytes on one connection and collects everything the server sends until it closes. */
function rawExchange(url: string, bytes: string, waitMs = scaled(1500)): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let out = ''
    const timer = setTimeout(() => socket.destroy(), waitMs)
    socket.on('data', (d) => (out += d.toString('latin1')))
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(out)
    })
    socket.on('error', reject)
    socket.write(bytes)
  })
}

/** The responses in a raw byte stream, framed by their content-length as a client would. */
function responses(raw: string): { status: number; body: string }[] {
  const out: { status: number; body: string }[] = []
  let at = 0
  while (at < raw.length) {
    const end = raw.indexOf('\r\n\r\n', at)
    if (end === -1) throw new Error(`not a response at byte ${at}: ${raw.slice(at, at + 40)}`)
    const head = raw.slice(at, end)
    const status = /^HTTP\/1\.1 (\d{3})/.exec(head)
    if (!status) throw new Error(`not a status line at byte ${at}: ${head.slice(0, 40)}`)
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
    out.push({ status: Number(status[1]), body: raw.slice(end + 4, end + 4 + length) })
    at = end + 4 + length
  }
  return out
}

describe('hostile clients and guests at the HTTP layer', () => {
  let dir: TempDir | undefined
  let host: Host | undefined
  let server: RunningServer | undefined
  let logs: LogLine[] = []
  afterEach(async () => {
    await server?.close()
    await host?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
    ;[dir, host, server, logs] = [undefined, undefined, undefined, []]
  })

  async function start(files: Record<string, string>, limits?: Partial<ServerLimits>) {
    dir = await functionsDir({
      'hello.js': `export default { fetch: () => new Response('hello') }`,
      ...files,
    })
    host = await createHost({
      dir: dir.path,
      watch: false,
      accessLog: true,
      logger: createLogger((l) => logs.push(l)),
      pool: { workers: 1, warmSpare: false },
    })
    server = await serve({ fetch: host.fetch, port: 0, host: '127.0.0.1', limits })
    return server.url
  }

  async function expectServes(url: string) {
    const t0 = Date.now()
    const res = await fetch(url + '/hello')
    expect(await res.text()).toBe('hello')
    expect(Date.now() - t0).toBeLessThan(SERVE_WITHIN_MS)
  }

  it('owns framing: guest content-length and transfer-encoding never reach the wire', async () => {
    const forged = 'HTTP/1.1 200 OK\\r\\ncontent-length: 6\\r\\n\\r\\nforged'
    const url = await start({
      'split.js': `export default { fetch: () => new Response('A${forged}', { headers: { 'content-length': '1', 'x-ok': 'yes' } }) }`,
      'te.js': `export default { fetch: () => new Response('body', { headers: { 'transfer-encoding': 'chunked', 'content-length': '5, 1', connection: 'close' } }) }`,
      'event.js': `export const handle = () => ({ statusCode: 200, headers: { 'content-length': 'abc', 'keep-alive': 'timeout=1' }, body: 'event' })`,
    })
    for (const path of ['/split', '/te', '/event']) {
      const raw = await rawExchange(
        url,
        `GET ${path} HTTP/1.1\r\nhost: x\r\n\r\nGET /hello HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`,
      )
      const answers = responses(raw)
      expect(answers, `${path}: ${raw}`).toHaveLength(2)
      expect(answers[1]).toEqual({ status: 200, body: 'hello' })
      expect(raw).not.toMatch(/content-length: 1\r\n/)
      expect(raw).not.toMatch(/content-length: abc/)
      expect(raw).not.toMatch(/content-length: 5, 1/)
    }
    const split = await fetch(url + '/split')
    expect(split.headers.get('x-ok')).toBe('yes')
    expect(await split.text()).toBe('A' + forged.replaceAll('\\r\\n', '\r\n'))
    await expectServes(url)
  })

  it('never lets a function see the reserved prefix, however the path spells it', async () => {
    const url = await start({
      'index.js': `export default { fetch: (req) => new Response('index ' + new URL(req.url).pathname) }`,
      'r.js': `export default { fetch: () => new Response('r') }`,
      'bad.js': `export const config = { route: '/_fnhost/health' }\nexport default { fetch: () => new Response('bad') }`,
      'also.js': `export const config = { route: ['/fine', '/_fnhost/x'] }\nexport default { fetch: () => new Response('also') }`,
    })
    for (const path of [
      '//_fnhost/health',
      '/%5Ffnhost/health',
      '/_fnhost/nothing',
      '//_fnhost//x',
    ]) {
      const raw = await rawExchange(
        url,
        `GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`,
      )
      // A host endpoint (Hono decodes %5F) or nothing at all: never the catch-all function.
      expect(raw, path).not.toMatch(/index /)
      expect(raw, path).toMatch(/^HTTP\/1\.1 (404|200)/)
      if (raw.startsWith('HTTP/1.1 200')) expect(raw, path).toMatch(/"status":"ok"/)
    }
    // With a function on /r the alias is off, so /r/_fnhost is that function's path, not the prefix.
    expect(await (await fetch(url + '/r/_fnhost/health')).text()).toBe('r')
    const bad = await fetch(url + '/bad')
    expect(bad.status).toBe(500)
    expect(await bad.json()).toMatchObject({ error: 'FUNCTION_LOAD_FAILED' })
    const health = (await (await fetch(url + '/_fnhost/health')).json()) as { status: string }
    expect(health.status).toBe('ok')
    expect((await fetch(url + '/fine')).status).toBe(500)
    await expectServes(url)
  })

  it('escapes control characters in every log line, from clients and guests alike', async () => {
    const url = await start({
      'noisy.js': `export default { fetch: () => { console.log('line\\nFORGED 200 \\u001b[31mred'); return new Response('ok') } }`,
    })
    await rawExchange(
      url,
      `GET /hello%0aFORGED%0d%0a200 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`,
    )
    await fetch(url + '/noisy')
    const text = logs.map(formatPretty).join('\n')
    for (const line of text.split('\n')) expect(line).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(text).not.toContain('\u001b')
    expect(text).toContain('line\\nFORGED 200 \\x1b[31mred')
  })

  it("answers Node's own refusals in the error schema, with a request id", async () => {
    const url = await start({})
    const big = await rawExchange(
      url,
      `GET /hello HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
    )
    expect(big).toMatch(/^HTTP\/1\.1 431/)
    expect(big).toMatch(/x-request-id: [0-9a-f-]{36}/)
    const body = JSON.parse(big.slice(big.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>
    expect(body).toMatchObject({ code: 431, error: 'HEADERS_TOO_LARGE' })
    const garbage = await rawExchange(url, 'NOT HTTP AT ALL\r\n\r\n')
    expect(garbage).toMatch(/^HTTP\/1\.1 400/)
    expect(garbage).toMatch(/"error":"BAD_REQUEST"/)
    await expectServes(url)
  })

  it('closes a slowloris connection at the headers timeout, not tens of seconds later', async () => {
    const headersTimeoutMs = 1000
    const url = await start({}, { headersTimeoutMs, requestTimeoutMs: 2000, timeoutCheckMs: 200 })
    const t0 = Date.now()
    const raw = await rawExchange(url, 'GET /hello HTTP/1.1\r\nhost: x\r\n', scaled(10_000))
    expect(Date.now() - t0).toBeLessThan(headersTimeoutMs + scaled(1500))
    expect(raw).toMatch(/^HTTP\/1\.1 408/)
    expect(raw).toMatch(/"error":"REQUEST_TIMEOUT"/)
    await expectServes(url)
  })

  it('passes every method to a function whose methods are not restricted, TRACE included', async () => {
    const url = await start({
      'm.js': `export default { fetch: (req) => new Response(req.method) }`,
    })
    for (const method of ['TRACE', 'OPTIONS', 'PATCH', 'DELETE']) {
      const raw = await rawExchange(
        url,
        `${method} /m HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`,
      )
      expect(raw, method).toMatch(/^HTTP\/1\.1 200/)
      expect(raw.endsWith(method), method).toBe(true)
    }
  })
})
