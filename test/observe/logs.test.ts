import { connect } from 'node:net'
import { PassThrough } from 'node:stream'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost, type Host } from '../../host/host.js'
import { formatPretty, silentLogger } from '../../host/observe/log.js'
import { createOutputLogger } from '../../host/observe/log-output.js'
import { RING_LINES } from '../../host/observe/log-store.js'
import { serve, type RunningServer } from '../../host/server.js'
import { eventually, functionsDir, type TempDir } from '../helpers/fsdir.js'
import { sharedTestPool } from '../helpers/host.js'
import { scaled } from '../helpers/time.js'

const KEY = 'test-admin-key'
const AUTH = { authorization: `Bearer ${KEY}` }
/** The follow stream must deliver a new guest line this fast. */
const FOLLOW_DELIVERY_MS = scaled(100)

const FUNCTIONS = {
  'hello.js': `export default { fetch(req) {
  console.log('hello from', new URL(req.url).searchParams.get('who'))
  console.warn('careful')
  return new Response('hi')
} }`,
  'many.js': `export default { fetch(req) {
  const q = new URL(req.url).searchParams
  const from = Number(q.get('from') ?? 0)
  const n = Number(q.get('n'))
  for (let i = from; i < from + n; i++) console.log('line ' + i)
  return new Response('done')
} }`,
}

describe('logs', () => {
  let dir: TempDir | undefined
  let host: Host | undefined
  let server: RunningServer | undefined
  afterEach(async () => {
    await server?.close()
    await host?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
    host = dir = server = undefined
  })

  async function start(options: { json?: PassThrough; accessLog?: boolean } = {}) {
    dir = await functionsDir(FUNCTIONS)
    host = await createHost({
      dir: dir.path,
      watch: false,
      logger: options.json ? createOutputLogger('json', options.json) : silentLogger,
      accessLog: options.accessLog ?? true,
      adminKey: KEY,
      sharedPool: sharedTestPool(),
    })
    return host
  }

  it('writes JSON lines that carry the access and guest fields', async () => {
    const out = new PassThrough()
    let text = ''
    out.on('data', (d: Buffer) => (text += d.toString()))
    const h = await start({ json: out })
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
    const res = await h.app.request('/hello/x?who=ada', {
      headers: { 'x-request-id': 'req-1', traceparent: trace },
    })
    expect(res.status).toBe(200)
    await h.app.request('/nope%0aINFO forged')
    // Access lines are formatted a few milliseconds later, together (deferredLines), not at once.
    await eventually(async () => text.includes('"status":404'))
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    const access = lines.find((l) => l.path === '/hello/x')
    expect(access).toMatchObject({
      level: 'info',
      function: 'hello',
      requestId: 'req-1',
      method: 'GET',
      status: 200,
      traceparent: trace,
    })
    expect(typeof access?.durationMs).toBe('number')
    expect(Date.parse(access?.time as string)).not.toBeNaN()
    const guest = lines.filter((l) => l.src === 'guest')
    expect(guest).toEqual([
      expect.objectContaining({
        level: 'info',
        function: 'hello',
        requestId: 'req-1',
        msg: 'hello from ada',
      }),
      expect.objectContaining({
        level: 'warn',
        function: 'hello',
        requestId: 'req-1',
        msg: 'careful',
      }),
    ])
    const notFound = lines.find((l) => l.status === 404)
    expect(notFound?.path).toBe('/nope%0aINFO%20forged')
    // A request without a valid traceparent gets a new one.
    expect(notFound?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
  })

  it('returns access lines from the log API with their fields', async () => {
    const h = await start()
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
    await h.app.request('/hello/x?who=ada', {
      headers: { 'x-request-id': 'req-2', traceparent: trace },
    })
    const res = await h.app.request('/_fnhost/v1/functions/hello/logs', { headers: AUTH })
    const { lines } = (await res.json()) as { lines: Record<string, unknown>[] }
    const access = lines.find((l) => l.path === '/hello/x')
    expect(access).toEqual({
      time: expect.any(String),
      level: 'info',
      message: expect.stringMatching(/^GET \/hello\/x 200 \d+\.\dms$/),
      function: 'hello',
      requestId: 'req-2',
      method: 'GET',
      path: '/hello/x',
      status: 200,
      durationMs: expect.any(Number),
      traceparent: trace,
    })
    expect(Date.parse(access?.time as string)).not.toBeNaN()
  })

  it('escapes control characters in every pretty field', () => {
    const line = formatPretty({
      level: 'info',
      message: 'GET /a\nINFO forged\u001b[31m',
      fields: { fn: 'x\r\ny', path: '/a\u2028b' },
      ms: 0,
    })
    for (const ch of ['\n', '\r', '\u001b', '\u2028']) expect(line).not.toContain(ch)
    expect(line).toContain('GET /a\\nINFO forged\\x1b[31m')
    expect(line).toContain('fn=x\\r\\ny')
  })

  it('keeps the last 1,000 lines of each function', async () => {
    const h = await start({ accessLog: false })
    // Two calls: one invocation may log at most INVOCATION_LOG_CAP.lines lines.
    expect((await h.app.request('/many?from=0&n=750')).status).toBe(200)
    expect((await h.app.request('/many?from=750&n=750')).status).toBe(200)
    await h.app.request('/hello?who=bob')
    const res = await h.app.request('/_fnhost/v1/functions/many/logs', { headers: AUTH })
    expect(res.status).toBe(200)
    const { lines } = (await res.json()) as { lines: { message: string; function: string }[] }
    expect(lines).toHaveLength(RING_LINES)
    expect(lines[0]?.message).toBe('line 500')
    expect(lines.at(-1)?.message).toBe('line 1499')
    expect(lines.every((l) => l.function === 'many')).toBe(true)
    expect((await h.app.request('/_fnhost/v1/functions/many/logs')).status).toBe(401)
    const unknown = await h.app.request('/_fnhost/v1/functions/nope/logs', { headers: AUTH })
    expect(unknown.status).toBe(404)
  })

  it('streams a new guest line over SSE within 100 ms on a real socket', async () => {
    const h = await start()
    server = await serve({ fetch: h.fetch, port: 0, host: '127.0.0.1' })
    const ctrl = new AbortController()
    const res = await fetch(`${server.url}/_fnhost/v1/logs?follow=1&function=hello`, {
      headers: AUTH,
      signal: ctrl.signal,
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    const nextEvent = async (): Promise<string> => {
      for (;;) {
        const end = buffer.indexOf('\n\n')
        if (end >= 0) {
          const event = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          return event
        }
        const { value, done } = await reader.read()
        if (done) throw new Error('stream ended')
        buffer += decoder.decode(value, { stream: true })
      }
    }
    expect(await nextEvent()).toMatch(/^event: ready/)
    await (await fetch(`${server.url}/many?n=1`)).text()
    const sent = fetch(`${server.url}/hello?who=sse`).then((r) => r.text())
    let event: string
    do event = await nextEvent()
    while (!event.includes('hello from sse'))
    const received = Date.now()
    await sent
    const data = JSON.parse(
      event
        .split('\n')
        .find((l) => l.startsWith('data: '))!
        .slice(6),
    )
    expect(data).toMatchObject({ function: 'hello', level: 'info', message: 'hello from sse' })
    expect(received - Date.parse(data.time)).toBeLessThanOrEqual(FOLLOW_DELIVERY_MS)
    ctrl.abort()
    await eventually(async () => h.observe.logs.followers === 0, scaled(2000))

    // At shutdown the host ends its followers' streams, so draining connections does not wait on them.
    const second = await fetch(`${server.url}/_fnhost/v1/logs?follow=1`, { headers: AUTH })
    const text = second.text()
    await eventually(async () => h.observe.logs.followers === 1, scaled(2000))
    h.observe.logs.endFollowers()
    expect(await text).toMatch(/^event: ready\n/)
  })

  it('drops a client that never reads, without the host holding its lines', async () => {
    const h = await start({ accessLog: false })
    server = await serve({ fetch: h.fetch, port: 0, host: '127.0.0.1' })
    const { port } = new URL(server.url)
    const socket = connect(Number(port), '127.0.0.1')
    socket.pause()
    let closed = false
    socket.on('close', () => (closed = true))
    socket.write(
      `GET /_fnhost/v1/logs?follow=1 HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${KEY}\r\n\r\n`,
    )
    await eventually(async () => h.observe.logs.followers === 1, scaled(2000))
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    gc()
    const before = process.memoryUsage().heapUsed
    // 64 MiB of log lines while the client reads nothing.
    const line = 'x'.repeat(64 * 1024)
    for (let i = 0; i < 1024; i++) h.observe.logs.add('info', line, { fn: 'hello' })
    expect(h.observe.logs.followers).toBe(0)
    await new Promise((r) => setTimeout(r, 50))
    gc()
    const grown = process.memoryUsage().heapUsed - before
    expect(grown).toBeLessThan(16 * 1024 * 1024)
    socket.resume()
    await eventually(async () => closed, scaled(2000))
    // The host still answers.
    expect((await fetch(`${server.url}/hello?who=after`)).status).toBe(200)
  })
})
