import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { collectingLog, disposeAll, get, guest, invokeOptions, loadJs } from './helpers.js'
import { invokeHttp } from '../../helpers/invoke.js'

afterEach(disposeAll)

describe('TextEncoder / TextDecoder', () => {
  it('round-trips UTF-8, short and long, and replaces lone surrogates', async () => {
    const long = 'héllo wörld ✓ 😀 '.repeat(20)
    const got = await guest(`
      const enc = new TextEncoder(), dec = new TextDecoder()
      const long = ${JSON.stringify(long)}
      return {
        short: [...enc.encode('é😀')], long: dec.decode(enc.encode(long)) === long,
        lone: [...enc.encode('a\\ud800b')], loneLong: dec.decode(enc.encode('\\udc00'.repeat(70))) === '\\ufffd'.repeat(70),
        nul: dec.decode(enc.encode('a\\0b'.repeat(40))) === 'a\\0b'.repeat(40),
        into: enc.encodeInto('héllo', new Uint8Array(3)),
        encoding: [enc.encoding, dec.encoding, new TextDecoder('UTF8').encoding],
      }
    `)
    expect(got).toEqual({
      short: [...Buffer.from('é😀')],
      long: true,
      lone: [0x61, 0xef, 0xbf, 0xbd, 0x62],
      loneLong: true,
      nul: true,
      into: { read: 2, written: 3 },
      encoding: ['utf-8', 'utf-8', 'utf-8'],
    })
  })

  it('decodes invalid input to U+FFFD like Node, or throws when fatal', async () => {
    const samples = [
      [0xff],
      [0xc3],
      [0xe2, 0x82],
      [0xed, 0xa0, 0x80],
      [0xf0, 0x9f, 0x98],
      [0x61, 0x80, 0x62],
      [0xc0, 0xaf],
    ]
    const long = [...Array(100).fill(0x61), 0xff, 0x62]
    const got = await guest(`
      const dec = new TextDecoder()
      const fatal = new TextDecoder('utf-8', { fatal: true })
      const samples = ${JSON.stringify([...samples, long])}
      return samples.map((s) => {
        let threw = false
        try { fatal.decode(new Uint8Array(s)) } catch (e) { threw = e instanceof TypeError }
        return [dec.decode(new Uint8Array(s)), threw]
      })
    `)
    const node = new TextDecoder()
    expect(got).toEqual([...samples, long].map((s) => [node.decode(new Uint8Array(s)), true]))
  })

  it('streams: a sequence split across chunks, and the BOM', async () => {
    const got = await guest(`
      const d = new TextDecoder()
      const bytes = new TextEncoder().encode('😀é')
      const parts = [d.decode(bytes.slice(0, 1), { stream: true }), d.decode(bytes.slice(1, 5), { stream: true }), d.decode(bytes.slice(5))]
      const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69])
      return [parts, new TextDecoder().decode(bom), new TextDecoder('utf-8', { ignoreBOM: true }).decode(bom).length]
    `)
    expect(got).toEqual([['', '😀', 'é'], 'hi', 3])
  })
})

describe('atob / btoa', () => {
  it('encode latin1, decode forgivingly, reject what browsers reject', async () => {
    const got = await guest(`
      const errors = []
      for (const f of [() => btoa('✓'), () => atob('a'), () => atob('ab!c'), () => atob('abc==')])
        try { f() } catch (e) { errors.push(e instanceof DOMException && e.name) }
      const all = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i))
      return [btoa('hello'), atob('aGVs bG8='), atob('aGk'), atob(btoa(all)) === all, errors]
    `)
    expect(got).toEqual(['aGVsbG8=', 'hello', 'hi', true, Array(4).fill('InvalidCharacterError')])
  })
})

describe('console', () => {
  it('writes every level to the invocation log, formatting values', async () => {
    const fn = await loadJs(`export default { fetch() {
      console.log('plain', 1, -0, 2n, true, null, undefined, Symbol('s'))
      console.info({ a: 1, nested: { deep: { deeper: { deepest: 1 } } }, list: [1, 'two'] })
      console.debug(new Map([['k', 1]]), new Set([1]), new Uint8Array([1, 2]), () => {}, class Foo {})
      console.warn('%s is %d years and %o', 'Bob', 42, { x: 1 }, 'extra')
      console.error(new Error('bad'))
      const cyclic = { name: 'c' }; cyclic.self = cyclic
      console.log(cyclic, new Headers({ a: '1' }), new URL('http://a/'), 'x'.padEnd(3, '"'))
      return new Response('ok')
    } }`)
    const log = collectingLog()
    await invokeHttp(fn, get(), invokeOptions({ log }))
    expect(log.lines.map((l) => l.level)).toEqual(['log', 'info', 'debug', 'warn', 'error', 'log'])
    const [plain, info, debug, warn, error, cyclic] = log.lines.map((l) => l.message)
    expect(plain).toBe('plain 1 -0 2n true null undefined Symbol(s)')
    expect(info).toBe("{ a: 1, nested: { deep: { deeper: [Object] } }, list: [ 1, 'two' ] }")
    expect(debug).toBe(
      "Map(1) { 'k' => 1 } Set(1) { 1 } Uint8Array(2) [ 1, 2 ] [Function: (anonymous)] [class Foo]",
    )
    expect(warn).toBe('Bob is 42 years and { x: 1 } extra')
    expect(error).toMatch(/^Error: bad\n\s+at fetch \(fn\.js:\d+:\d+\)/)
    expect(cyclic).toBe(
      `{ name: 'c', self: [Circular] } Headers { 'a': '1' } URL { href: 'http://a/' } x""`,
    )
  })

  it('stops formatting once the log is full', async () => {
    const fn = await loadJs(`export default { fetch() {
      let formatted = 0
      const counted = { toString() { formatted++; return 'x' }, [Symbol.for('nodejs.util.inspect.custom')]() { formatted++; return 'y'.repeat(100) } }
      for (let i = 0; i < 1000; i++) console.log(counted)
      return new Response(String(formatted))
    } }`)
    const log = collectingLog(1000)
    const res = await invokeHttp(fn, get(), invokeOptions({ log }))
    expect(Number(await res.text())).toBe(10)
    expect(log.full).toBe(true)
  })

  it('hands what the module logs while loading to the first request', async () => {
    const fn = await loadJs(
      `console.log('loading'); export default { fetch() { console.log('handling'); return new Response('') } }`,
    )
    const first = collectingLog()
    const second = collectingLog()
    await invokeHttp(fn, get(), invokeOptions({ log: first }))
    await invokeHttp(fn, get(), invokeOptions({ log: second }))
    expect(first.text()).toBe('loading\nhandling')
    expect(second.text()).toBe('handling')
  })
})

describe('timers', () => {
  it('fire by due time, then creation order; clearTimeout cancels', async () => {
    const got = await guest(`
      const order = []
      await new Promise((done) => {
        setTimeout(() => order.push('t30'), 30)
        setTimeout(() => order.push('t0-a'), 0)
        setTimeout(() => order.push('t0-b'))
        const cancelled = setTimeout(() => order.push('cancelled'), 5)
        clearTimeout(cancelled)
        setTimeout((a, b) => order.push('args ' + a + b), 10, 'x', 'y')
        setTimeout(() => order.push('t10'), 10)
        setTimeout(done, 50)
      })
      return order
    `)
    expect(got).toEqual(['t0-a', 't0-b', 'args xy', 't10', 't30'])
  })

  it('repeat intervals until cleared', async () => {
    const got = await guest(`
      const ticks = []
      const start = Date.now()
      await new Promise((done) => {
        const iv = setInterval((tag) => { ticks.push(tag); if (ticks.length === 3) { clearInterval(iv); done() } }, 5, 'tick')
      })
      return [ticks, Date.now() - start >= 14]
    `)
    expect(got).toEqual([['tick', 'tick', 'tick'], true])
  })

  it('runs microtasks between timers and before them', async () => {
    const got = await guest(`
      const order = []
      await new Promise((done) => {
        setTimeout(() => { order.push('timer1'); Promise.resolve().then(() => order.push('micro after timer1')) }, 0)
        setTimeout(() => { order.push('timer2'); done() }, 0)
        queueMicrotask(() => order.push('microtask'))
        order.push('sync')
      })
      return order
    `)
    expect(got).toEqual(['sync', 'microtask', 'timer1', 'micro after timer1', 'timer2'])
  })

  it('do not outlive the invocation in a shared sandbox', async () => {
    const fn = await loadJs(`let fired = 0
      export default { fetch(request) {
        if (new URL(request.url).pathname === '/arm') setTimeout(() => fired++, 30)
        return new Response(String(fired))
      } }`)
    await invokeHttp(fn, get('/arm'), invokeOptions())
    await new Promise((r) => setTimeout(r, 60))
    const res = await invokeHttp(fn, get('/check'), invokeOptions())
    expect(await res.text()).toBe('0')
  })

  it('an uncaught error in a timer fails the request that is still waiting', async () => {
    const fn = await loadJs(`export default { fetch() {
      return new Promise((resolve) => { setTimeout(() => { null.boom }, 0); setTimeout(resolve, 50) })
    } }`)
    const log = collectingLog()
    await expect(invokeHttp(fn, get(), invokeOptions({ log }))).rejects.toMatchObject({
      code: 'GUEST_ERROR',
      message: expect.stringContaining('TypeError'),
    })
    expect(log.lines[0]?.level).toBe('error')
  })
})

describe('structuredClone', () => {
  it('deep-copies what the algorithm allows and keeps cycles', async () => {
    const got = await guest(`
      const src = { d: new Date(0), r: /x/g, m: new Map([[1, { a: 1 }]]), s: new Set([1]), b: new Uint8Array([1, 2]), n: [1, [2]] }
      src.self = src
      const c = structuredClone(src)
      const errors = []
      for (const v of [() => {}, Symbol('x'), { f() {} }.f, new (class X {})()])
        try { structuredClone(v) } catch (e) { errors.push(e.name) }
      return [c !== src, c.self === c, c.d.getTime(), c.r.source + c.r.flags, c.m.get(1).a, c.m.get(1) !== src.m.get(1),
              [...c.s], [...c.b], c.b.buffer !== src.b.buffer, c.n[1][0], errors, structuredClone(new Error('e')).message]
    `)
    expect(got).toEqual([
      true,
      true,
      0,
      'xg',
      1,
      true,
      [1],
      [1, 2],
      true,
      2,
      Array(4).fill('DataCloneError'),
      'e',
    ])
  })
})

describe('crypto', () => {
  it('digests with SHA-1/256/384/512 like node:crypto', async () => {
    const data = 'The quick brown fox'
    const got = await guest(`
      const data = new TextEncoder().encode(${JSON.stringify(data)})
      const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('')
      const out = {}
      for (const alg of ['SHA-1', 'SHA-256', 'sha-384', { name: 'SHA-512' }]) out[alg.name ?? alg] = hex(await crypto.subtle.digest(alg, data))
      let unsupported; try { await crypto.subtle.digest('MD5', data) } catch (e) { unsupported = e.name }
      return { out, unsupported }
    `)
    const hash = (a: string) => createHash(a).update(data).digest('hex')
    expect(got).toEqual({
      out: {
        'SHA-1': hash('sha1'),
        'SHA-256': hash('sha256'),
        'sha-384': hash('sha384'),
        'SHA-512': hash('sha512'),
      },
      unsupported: 'NotSupportedError',
    })
  })

  it('fills random values and makes v4 UUIDs', async () => {
    const got = await guest(`
      const a = crypto.getRandomValues(new Uint8Array(32)), b = crypto.getRandomValues(new Uint32Array(4))
      const errors = []
      for (const f of [() => crypto.getRandomValues(new Float64Array(1)), () => crypto.getRandomValues(new Uint8Array(65537))])
        try { f() } catch (e) { errors.push(e.name) }
      const ids = Array.from({ length: 5 }, () => crypto.randomUUID())
      return { nonZero: a.some((x) => x) && b.some((x) => x), errors, ids, unique: new Set(ids).size }
    `)
    expect(got).toMatchObject({
      nonZero: true,
      errors: ['TypeMismatchError', 'QuotaExceededError'],
      unique: 5,
    })
    for (const id of (got as { ids: string[] }).ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })
})

describe('AbortController, Event, EventTarget', () => {
  it('abort with a reason, listeners once, timeout and any', async () => {
    const got = await guest(`
      const c = new AbortController()
      const seen = []
      c.signal.addEventListener('abort', (e) => seen.push(e.type), { once: true })
      c.signal.onabort = () => seen.push('onabort')
      c.abort('why'); c.abort('again')
      let thrown; try { c.signal.throwIfAborted() } catch (e) { thrown = e }
      const def = new AbortController(); def.abort()
      const t = AbortSignal.timeout(5)
      await new Promise((r) => setTimeout(r, 20))
      const any = AbortSignal.any([new AbortController().signal, AbortSignal.abort('first')])
      return [c.signal.aborted, c.signal.reason, seen, thrown, def.signal.reason.name, t.reason.name, any.reason]
    `)
    expect(got).toEqual([
      true,
      'why',
      ['abort', 'onabort'],
      'why',
      'AbortError',
      'TimeoutError',
      'first',
    ])
  })

  it('dispatches events to listeners and handleEvent objects', async () => {
    const got = await guest(`
      const target = new EventTarget()
      const seen = []
      const listener = (e) => seen.push('fn:' + e.type + ':' + (e.target === target))
      target.addEventListener('ping', listener)
      target.addEventListener('ping', listener)
      target.addEventListener('ping', { handleEvent: (e) => { seen.push('obj'); e.preventDefault() } })
      const ok = target.dispatchEvent(new Event('ping', { cancelable: true }))
      target.removeEventListener('ping', listener)
      target.dispatchEvent(new Event('ping'))
      return [seen, ok]
    `)
    expect(got).toEqual([['fn:ping:true', 'obj', 'obj'], false])
  })
})

describe('the guest global', () => {
  it('keeps its lazily compiled globals working when guest code replaces eval', async () => {
    const got = await guest(`
      globalThis.eval = () => { throw new Error('replaced') }
      return [new URL('http://a/b').pathname, typeof console.log, eval.name]
    `)
    expect(got).toEqual(['/b', 'function', ''])
  })

  it('has the web globals and nothing of the host', async () => {
    const got = await guest(
      `
      const g = Function('return this')()
      const names = ['Request', 'Response', 'Headers', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'atob', 'btoa',
        'console', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'structuredClone',
        'performance', 'crypto', 'AbortController', 'AbortSignal', 'Event', 'EventTarget', 'fetch', 'process']
      const t0 = performance.now()
      return {
        same: g === globalThis, missing: names.filter((n) => typeof g[n] === 'undefined'),
        host: ['require', 'module', 'Buffer', 'host', 'init', 'internals', 'std', 'os', '__filename'].filter((n) => typeof g[n] !== 'undefined'),
        now: typeof t0 === 'number' && performance.now() >= t0, env: process.env, envKeys: Object.keys(env),
      }
    `,
      { env: { ONLY: 'this' } },
    )
    expect(got).toEqual({
      same: true,
      missing: [],
      host: [],
      now: true,
      env: { ONLY: 'this' },
      envKeys: ['ONLY'],
    })
  })
})
