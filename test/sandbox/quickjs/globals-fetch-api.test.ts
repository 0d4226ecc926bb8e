import { afterEach, describe, expect, it } from 'vitest'
import { disposeAll, guest } from './helpers.js'

afterEach(disposeAll)

describe('Headers', () => {
  it('is case-insensitive, joins repeated values, keeps Set-Cookie apart, iterates sorted', async () => {
    const got = await guest(`
      const h = new Headers({ 'X-B': ' 2 ', 'x-a': '1' })
      h.append('X-A', 'again'); h.append('Set-Cookie', 'a=1'); h.append('set-cookie', 'b=2')
      return {
        get: [h.get('x-a'), h.get('X-B'), h.get('missing'), h.get('set-cookie')],
        has: [h.has('X-A'), h.has('nope')],
        cookies: h.getSetCookie(),
        entries: [...h], keys: [...h.keys()], values: [...h.values()],
      }
    `)
    expect(got).toEqual({
      get: ['1, again', '2', null, 'a=1, b=2'],
      has: [true, false],
      cookies: ['a=1', 'b=2'],
      entries: [
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
        ['x-a', '1, again'],
        ['x-b', '2'],
      ],
      keys: ['set-cookie', 'set-cookie', 'x-a', 'x-b'],
      values: ['a=1', 'b=2', '1, again', '2'],
    })
  })

  it('sets, deletes, copies and validates', async () => {
    const got = await guest(`
      const h = new Headers([['a', '1'], ['a', '2'], ['b', '3']])
      h.set('A', 'x'); h.delete('b')
      const copy = new Headers(h); copy.set('c', '4')
      const errors = []
      for (const f of [() => h.set('bad name', 'v'), () => h.set('ok', 'a\\nb'), () => new Headers([['only-one']])])
        try { f() } catch (e) { errors.push(e instanceof TypeError) }
      const seen = []; h.forEach((v, k) => seen.push(k + '=' + v))
      return { h: [...h], copy: [...copy], errors, seen }
    `)
    expect(got).toEqual({
      h: [['a', 'x']],
      copy: [
        ['a', 'x'],
        ['c', '4'],
      ],
      errors: [true, true, true],
      seen: ['a=x'],
    })
  })
})

describe('Response', () => {
  it('has status, statusText, ok, headers and default content types', async () => {
    const got = await guest(`
      const r = new Response('hi', { status: 404, statusText: 'Nope', headers: { 'x-a': '1' } })
      const j = Response.json({ a: 1 }, { status: 201 })
      const bin = new Response(new Uint8Array([1, 2]))
      const form = new Response(new URLSearchParams({ a: 'b c' }))
      return {
        r: [r.status, r.statusText, r.ok, r.headers.get('x-a'), r.headers.get('content-type'), r.type, r.url, r.redirected],
        j: [j.status, j.headers.get('content-type'), await j.json()],
        bin: [bin.headers.get('content-type'), [...new Uint8Array(await bin.arrayBuffer())]],
        form: [form.headers.get('content-type'), await form.text()],
        empty: [new Response().status, await new Response().text(), new Response(null).body],
      }
    `)
    expect(got).toEqual({
      r: [404, 'Nope', false, '1', 'text/plain;charset=UTF-8', 'default', '', false],
      j: [201, 'application/json', { a: 1 }],
      bin: [null, [1, 2]],
      form: ['application/x-www-form-urlencoded;charset=UTF-8', 'a=b+c'],
      empty: [200, '', null],
    })
  })

  it('has redirect and error, and validates status', async () => {
    const got = await guest(`
      const r = Response.redirect('https://example.com/x', 301)
      const e = Response.error()
      const errors = []
      for (const f of [() => new Response('', { status: 99 }), () => new Response('', { status: 600 }),
                       () => Response.redirect('https://a/', 200), () => new Response('x', { status: 204 }),
                       () => Response.redirect('relative')])
        try { f() } catch (err) { errors.push(err.constructor.name) }
      return { r: [r.status, r.headers.get('location')], e: [e.type, e.status], errors }
    `)
    expect(got).toEqual({
      r: [301, 'https://example.com/x'],
      e: ['error', 0],
      errors: ['RangeError', 'RangeError', 'RangeError', 'TypeError', 'TypeError'],
    })
  })

  it('reads a body once; clone reads it twice; bodyUsed tracks it', async () => {
    const got = await guest(`
      const r = new Response('once')
      const c = r.clone()
      const a = await r.text()
      let second; try { await r.text() } catch (e) { second = e instanceof TypeError }
      return [a, r.bodyUsed, second, await c.text(), c.bodyUsed, await new Response('{"x":1}').json(),
              [...await new Response('ab').bytes()]]
    `)
    expect(got).toEqual(['once', true, true, 'once', true, { x: 1 }, [97, 98]])
  })

  it('accepts a ReadableStream body, and another body as its stream', async () => {
    const got = await guest(`
      const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('a')); c.enqueue('b'); c.close() } })
      const streamed = await new Response(stream).text()
      const original = new Response('copied', { headers: { 'x-a': '1' } })
      const copy = new Response(original.body, original)
      const chunks = []
      for await (const chunk of new Response('it').body) chunks.push(...chunk)
      return [streamed, await copy.text(), copy.headers.get('x-a'), chunks]
    `)
    expect(got).toEqual(['ab', 'copied', '1', [105, 116]])
  })
})

describe('Request', () => {
  it('normalizes method, resolves url, carries headers and body', async () => {
    const got = await guest(`
      const r = new Request('https://example.com/a/../b?x=1', { method: 'post', headers: { 'x-a': '1' }, body: 'data' })
      const p = new Request('https://example.com', { method: 'patch' })
      const copy = new Request(r, { headers: { 'x-b': '2' } })
      return [r.method, r.url, r.headers.get('x-a'), r.headers.get('content-type'), p.method,
              copy.method, copy.headers.get('x-b'), copy.headers.get('x-a'), await copy.text(), r.bodyUsed, r.redirect,
              r.signal instanceof AbortSignal]
    `)
    expect(got).toEqual([
      'POST',
      'https://example.com/b?x=1',
      '1',
      'text/plain;charset=UTF-8',
      'patch',
      'POST',
      '2',
      null,
      'data',
      true,
      'follow',
      true,
    ])
  })

  it('rejects what fetch rejects', async () => {
    const got = await guest(`
      const errors = []
      for (const f of [() => new Request('/relative'), () => new Request('http://a', { method: 'GET', body: 'x' }),
                       () => new Request('http://a', { method: 'TRACE' }), () => new Request('http://a', { method: 'b d' }),
                       () => new Request('http://a', { redirect: 'sometimes' })])
        try { f(); errors.push('none') } catch (e) { errors.push(e instanceof TypeError) }
      return errors
    `)
    expect(got).toEqual([true, true, true, true, true])
  })

  it('is what the handler receives, with the incoming method, url, headers and body', async () => {
    const got = await guest(
      `return [request.method, request.url, request.headers.get('host'), await request.text()]`,
    )
    expect(got).toEqual(['GET', 'http://localhost/fn', null, ''])
  })
})
