import { describe, expect, it } from 'vitest'
import { Fields } from '../../host/sandbox/component/wasi/fields.js'
import { IncomingRequest } from '../../host/sandbox/component/wasi/http.js'
import { InputStream, OutputStream } from '../../host/sandbox/component/wasi/io.js'
import { outgoingHandler, OutgoingRequest } from '../../host/sandbox/component/wasi/outgoing.js'
import type { SyncFetcher } from '../../host/sandbox/component/fetch-sync.js'
import { checkWorld, parseWorld } from '../../host/sandbox/component/world.js'
import { isComponent } from '../../host/sandbox/component/header.js'

const bytes = (s: string) => new TextEncoder().encode(s)

describe("the host's WASI 0.2 for components", () => {
  it('checks fields as wasmtime does', () => {
    const f = new Fields()
    expect(f.append('X-Ok', bytes('1'))).toEqual({ tag: 'ok', val: undefined })
    expect(f.append('bad name', bytes('1'))).toEqual({ tag: 'err', val: { tag: 'invalid-syntax' } })
    expect(f.append('x-crlf', bytes('a\r\nb'))).toEqual({
      tag: 'err',
      val: { tag: 'invalid-syntax' },
    })
    expect(f.append('Transfer-Encoding', bytes('chunked'))).toEqual({
      tag: 'err',
      val: { tag: 'forbidden' },
    })
    expect(f.toHeaderList()).toEqual([['x-ok', '1']])
    const incoming = Fields.incoming([['a', 'b']])
    expect(incoming.append('c', bytes('d'))).toEqual({ tag: 'err', val: { tag: 'immutable' } })
  })

  it('streams the request body and hands it out once', () => {
    const req = new IncomingRequest({
      type: 'http',
      method: 'PATCH',
      url: 'https://h.example/p?q=1',
      path: '/p',
      query: 'q=1',
      route: '/p',
      params: {},
      headers: [],
      body: bytes('hello'),
      requestId: 'r',
    })
    expect(req.method()).toEqual({ tag: 'patch' })
    expect(req.pathWithQuery()).toBe('/p?q=1')
    expect(req.scheme()).toEqual({ tag: 'HTTPS' })
    const body = req.consume()
    expect(body.tag).toBe('ok')
    expect(req.consume().tag).toBe('err')
    if (body.tag !== 'ok') return
    const stream = body.val.stream()
    if (stream.tag !== 'ok') throw new Error('no stream')
    const a = stream.val.blockingRead(3n)
    const b = stream.val.blockingRead(100n)
    expect(a.tag === 'ok' && new TextDecoder().decode(a.val)).toBe('hel')
    expect(b.tag === 'ok' && new TextDecoder().decode(b.val)).toBe('lo')
    expect(stream.val.blockingRead(1n)).toEqual({ tag: 'err', val: { tag: 'closed' } })
  })

  it('reports a full sink as a failed write, and a closed one as closed', () => {
    let room = 4
    const sink = { closed: false, write: (d: Uint8Array) => (room -= d.byteLength) >= 0 }
    const out = new OutputStream(sink)
    expect(out.blockingWriteAndFlush(bytes('abc')).tag).toBe('ok')
    expect(out.blockingWriteAndFlush(bytes('de'))).toMatchObject({
      tag: 'err',
      val: { tag: 'last-operation-failed' },
    })
    sink.closed = true
    expect(out.write(bytes('x'))).toEqual({ tag: 'err', val: { tag: 'closed' } })
    expect(new InputStream(new Uint8Array(0)).read(1n)).toEqual({
      tag: 'err',
      val: { tag: 'closed' },
    })
  })

  it('sends outgoing requests through the host, and logs why one is denied', () => {
    const lines: string[] = []
    const log = { full: false, write: (_l: string, m: string) => void lines.push(m) }
    const jobs: { url: string; method: string }[] = []
    const fetcher = {
      fetch: (job: { url: string; method: string }) => {
        jobs.push(job)
        return { id: 1, error: 'fetch to http://127.0.0.1/ denied: loopback', denied: true }
      },
    } as unknown as SyncFetcher
    const ctx = { log, deadline: Date.now() + 1000, subrequests: 0 }
    const handler = outgoingHandler(() => ctx, { fetcher, maxSubrequests: 1 })
    const request = () => {
      const req = new OutgoingRequest(new Fields())
      req.setScheme({ tag: 'HTTP' })
      req.setAuthority('127.0.0.1:9')
      req.setPathWithQuery('/x?y=1')
      return req
    }
    const first = handler.handle(request(), undefined)
    if (first.tag !== 'ok') throw new Error('handle refused')
    expect(first.val.get()).toEqual({
      tag: 'ok',
      val: { tag: 'err', val: { tag: 'HTTP-request-denied' } },
    })
    expect(first.val.get()).toEqual({ tag: 'err', val: undefined })
    expect(jobs).toMatchObject([{ url: 'http://127.0.0.1:9/x?y=1', method: 'GET' }])
    expect(lines[0]).toContain('loopback')
    const second = handler.handle(request(), undefined)
    if (second.tag !== 'ok') throw new Error('handle refused')
    expect(second.val.get()).toEqual({
      tag: 'ok',
      val: { tag: 'err', val: { tag: 'HTTP-request-denied' } },
    })
    expect(jobs).toHaveLength(1)
    expect(lines[1]).toContain('at most 1 subrequests')
  })

  it('reads a world and refuses what is off the allowlist', () => {
    const world = parseWorld(`package root:component;

world root {
  import wasi:io/streams@0.2.3;
  import wasi:sockets/udp@0.2.3;
  import custom-thing: func();

  export wasi:http/incoming-handler@0.2.3;
}
`)
    expect(world.imports).toEqual([
      'wasi:io/streams@0.2.3',
      'wasi:sockets/udp@0.2.3',
      'custom-thing',
    ])
    expect(() => checkWorld(world)).toThrow(/wasi:sockets\/udp@0\.2\.3.*custom-thing/)
    expect(() => checkWorld({ imports: [], exports: ['wasi:cli/run@0.2.0'] })).toThrow(
      /exports no wasi:http\/incoming-handler/,
    )
    expect(() =>
      checkWorld({
        imports: ['wasi:io/streams@0.3.0'],
        exports: ['wasi:http/incoming-handler@0.2.0'],
      }),
    ).toThrow(/0\.2\.x/)
  })

  it('tells a component from a core module by its header', () => {
    expect(isComponent(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]))).toBe(true)
    expect(isComponent(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toBe(false)
  })
})
