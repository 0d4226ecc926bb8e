import { afterEach, describe, expect, it } from 'vitest'
import { createPool, type PoolOptions, type WorkerPool } from '../../host/pool/index.js'
import { eventually } from '../helpers/fsdir.js'
import { invokeOptions, jsPoolOptions, rejection, specOf } from './helpers.js'
import { invokeHttp } from '../helpers/invoke.js'

const ECHO = `export default async (req, opts) => {
  const body = await req.text()
  opts.log.write('info', 'echo ' + req.method)
  return new Response(JSON.stringify({ method: req.method, url: req.url, body, h: req.headers.get('x-a'),
    params: opts.params, requestId: opts.requestId, deadline: opts.deadline }),
    { status: 201, headers: { 'content-type': 'application/json', 'x-b': '2' } })
}`

const BYTES = `export default async (req) => {
  const n = Number(new URL(req.url).searchParams.get('n'))
  const chunks = Number(new URL(req.url).searchParams.get('chunks') ?? 1)
  const part = new Uint8Array(n / chunks).map((_, i) => i % 251)
  let sent = 0
  const body = new ReadableStream({ pull(c) { if (sent++ < chunks) c.enqueue(part.slice()); else c.close() } })
  return new Response(chunks === 1 ? part : body)
}`

const LOADED = `export default () => Response.json([...globalThis.fnhostTest.loaded])`

describe('the worker pool', () => {
  let pool: WorkerPool | undefined
  afterEach(async () => {
    await pool?.[Symbol.asyncDispose]()
    pool = undefined
  })
  const start = (options: PoolOptions = {}) =>
    (pool = createPool({ workers: 1, ...jsPoolOptions, ...options }))

  it('runs a function in a worker: request, response, params and logs cross as data', async () => {
    const fn = await start().load(specOf('echo', ECHO))
    const { opts, lines } = invokeOptions(5000, { params: { id: '7' } })
    const res = await invokeHttp(
      fn,
      new Request('http://h/echo?x=1', { method: 'POST', body: 'hi', headers: { 'x-a': '1' } }),
      opts,
    )
    expect(res.status).toBe(201)
    expect(res.headers.get('x-b')).toBe('2')
    expect(await res.json()).toEqual({
      method: 'POST',
      url: 'http://h/echo?x=1',
      body: 'hi',
      h: '1',
      params: { id: '7' },
      requestId: opts.requestId,
      deadline: opts.deadline,
    })
    expect(lines.map((l) => l.message)).toContain('echo POST')
  })

  it('moves large bodies both ways, and streams a response that comes in chunks', async () => {
    const fn = await start().load(specOf('bytes', BYTES))
    const big = await invokeHttp(fn, new Request('http://h/?n=3000000'), invokeOptions(5000).opts)
    const bytes = new Uint8Array(await big.arrayBuffer())
    expect(bytes.length).toBe(3_000_000)
    expect(bytes[1000]).toBe(1000 % 251)
    const streamed = await invokeHttp(
      fn,
      new Request('http://h/?n=1000000&chunks=10'),
      invokeOptions(5000).opts,
    )
    expect((await streamed.arrayBuffer()).byteLength).toBe(1_000_000)
    const echo = await pool!.load(specOf('echo', ECHO))
    const body = 'x'.repeat(200_000)
    const res = await invokeHttp(
      echo,
      new Request('http://h/', { method: 'PUT', body }),
      invokeOptions(5000).opts,
    )
    expect(((await res.json()) as { body: string }).body).toBe(body)
  })

  it('caps guest log output before it crosses threads', async () => {
    const fn = await start().load(
      specOf(
        'chatty',
        `export default (req, opts) => { for (let i = 0; i < 2000; i++) opts.log.write('log', 'y'.repeat(1000)); return new Response('ok') }`,
      ),
    )
    const { opts, lines } = invokeOptions(5000)
    expect(await (await invokeHttp(fn, new Request('http://h/'), opts)).text()).toBe('ok')
    const guestBytes = lines
      .filter((l) => l.fields.src === 'guest')
      .reduce((n, l) => n + l.message.length, 0)
    expect(guestBytes).toBeLessThanOrEqual(128 * 1024)
    expect(lines.some((l) => l.level === 'warn' && l.message.includes('cap'))).toBe(true)
  })

  it('answers FUNCTION_LOAD_FAILED for a function that fails to load', async () => {
    const e = await rejection(start().load(specOf('broken', `export default {{`)))
    expect(e.code).toBe('FUNCTION_LOAD_FAILED')
    expect(pool!.stats().sandboxes).toBe(0)
  })

  it('drops the worker copy when a function is disposed; use after dispose throws', async () => {
    const p = start()
    const fn = await p.load(specOf('echo', ECHO))
    const probe = await p.load(specOf('probe', LOADED))
    const loaded = async () =>
      (await (
        await invokeHttp(probe, new Request('http://h/'), invokeOptions(5000).opts)
      ).json()) as string[]
    expect((await loaded()).some((k) => k.startsWith('echo@'))).toBe(true)
    await fn[Symbol.asyncDispose]()
    expect((await loaded()).some((k) => k.startsWith('echo@'))).toBe(false)
    await expect(
      invokeHttp(fn, new Request('http://h/'), invokeOptions(5000).opts),
    ).rejects.toThrow(/disposed/)
    expect(p.stats()).toMatchObject({ functions: 1, sandboxes: 1 })
  })

  it('answers OVERLOADED to what is in flight at dispose, then refuses use', async () => {
    const p = start()
    const fn = await p.load(specOf('slow', `export default () => new Promise(() => {})`))
    const pending = rejection(invokeHttp(fn, new Request('http://h/'), invokeOptions(5000).opts))
    await new Promise((r) => setTimeout(r, 50))
    await p[Symbol.asyncDispose]()
    expect((await pending).code).toBe('OVERLOADED')
    expect(p.stats()).toMatchObject({ workers: 0, starting: 0, spareReady: false })
    await expect(p.load(specOf('x', ECHO))).rejects.toThrow(/disposed/)
  })

  it('loads lazily into a second worker and spreads concurrent work', async () => {
    const p = start({ workers: 2 })
    await eventually(async () => p.stats().workers === 2)
    const fn = await p.load(
      specOf(
        'wait',
        `export default async () => { await new Promise((r) => setTimeout(r, 200)); return new Response('ok') }`,
      ),
    )
    const all = await Promise.all(
      Array.from({ length: 8 }, () =>
        invokeHttp(fn, new Request('http://h/'), invokeOptions(5000).opts),
      ),
    )
    expect(all.map((r) => r.status)).toEqual(Array(8).fill(200))
    expect(p.stats()).toMatchObject({ workers: 2, sandboxes: 2, inFlight: 0 })
  })
})
