import { afterEach, describe, expect, it } from 'vitest'
import { disposeAll, guest } from './helpers.js'

afterEach(disposeAll)

const ABSOLUTE = [
  'http://example.com',
  'HTTP://EXAMPLE.COM/A/b?Q=1#F',
  'https://user:pa ss@host.com:443/p',
  'http://user@host/',
  'http://a:b:c@host/',
  'http://host:8080/',
  'http://host:80/',
  'https://h:0443/',
  'http://a/b/../c/./d',
  'http://a/b/%2e%2E/c',
  'http://a/b/c/..',
  'http://a/b c/?q=a b#f g',
  'http://[::1]:3000/x',
  'http://[2001:DB8::0:1]/',
  'http://[1:0:0:2:0:0:0:3]/',
  'http://[::ffff:1.2.3.4]/',
  'http://2130706433/',
  'http://0x7f.1/',
  'http://0177.0.0.1/',
  'http://127.1/',
  'http://1.2.3.4./',
  'http://ÉXAMPLE.com/',
  'http://münchen.de/',
  'http://a/ü?ü#ü',
  'http://a/?q=\'"<>`',
  'http://a/p?x#y',
  'http://a\\b\\c',
  'http:/\\a/b',
  '  http://a/b  ',
  'http://a/\tb\nc',
  'mailto:someone@example.com',
  'data:text/plain,hello world',
  'javascript:alert(1)',
  'file:///etc/passwd',
  'file://localhost/etc',
  'ws://a/',
  'wss://a:443/',
  'ftp://a:21/f',
  'git+ssh://git@github.com/x/y.git',
  'http://a/%zz',
  'http://a/%41',
  'http://@a/',
  'http://a/#',
  'http://a/?',
  'http://a/?#',
  'urn:isbn:123',
  'http://a/{x}|^',
  'http://a/😀?😀#😀',
]

const BASE = 'http://a.com/b/c/d;p?q'
const RELATIVE = [
  'g',
  './g',
  'g/',
  '/g',
  '//g',
  '?y',
  'g?y',
  '#s',
  'g#s',
  'g?y#s',
  ';x',
  'g;x',
  '',
  '.',
  './',
  '..',
  '../',
  '../g',
  '../..',
  '../../',
  '../../g',
  '../../../g',
  '/./g',
  '/../g',
  'g.',
  '.g',
  'g..',
  '..g',
  './../g',
  'g/./h',
  'g/../h',
  'http:g',
  'https:g',
  '\\\\x\\y',
  '//user@h:81/p',
]

const INVALID = [
  'http://',
  'http://a:99999/',
  'http://a b/',
  'http://[::1/',
  'http://1.2.3.256/',
  'http://0x100000000/',
  '//no-base',
  'not a url',
  'http://a:port/',
  'http://a%/',
  'https://exa<mple.com/',
]

const PARTS = [
  'href',
  'origin',
  'protocol',
  'username',
  'password',
  'host',
  'hostname',
  'port',
  'pathname',
  'search',
  'hash',
] as const

function nodeParts(input: string, base?: string) {
  try {
    const u = new URL(input, base)
    return Object.fromEntries(PARTS.map((p) => [p, u[p]]))
  } catch {
    return 'invalid'
  }
}

const GUEST_PARTS = `
  const PARTS = ${JSON.stringify(PARTS)}
  const parts = (input, base) => {
    try {
      const u = new URL(input, base)
      return Object.fromEntries(PARTS.map((p) => [p, u[p]]))
    } catch (e) {
      if (!(e instanceof TypeError)) return 'wrong error: ' + e
      return 'invalid'
    }
  }
`

describe('URL', () => {
  it('parses absolute URLs like Node (WHATWG)', async () => {
    const got = await guest<unknown[]>(
      `${GUEST_PARTS} return ${JSON.stringify(ABSOLUTE)}.map((i) => parts(i))`,
    )
    ABSOLUTE.forEach((input, i) => expect(got[i], input).toEqual(nodeParts(input)))
  })

  it('resolves relative references against a base like Node', async () => {
    const got = await guest<unknown[]>(
      `${GUEST_PARTS} return ${JSON.stringify(RELATIVE)}.map((i) => parts(i, ${JSON.stringify(BASE)}))`,
    )
    RELATIVE.forEach((input, i) => expect(got[i], input).toEqual(nodeParts(input, BASE)))
  })

  it('rejects invalid URLs with a TypeError', async () => {
    const got = await guest<unknown[]>(
      `${GUEST_PARTS} return ${JSON.stringify(INVALID)}.map((i) => parts(i))`,
    )
    INVALID.forEach((input, i) => expect(got[i], input).toBe('invalid'))
  })

  it('has canParse, parse, toJSON and URL bases', async () => {
    expect(
      await guest(`return [
        URL.canParse('http://a'), URL.canParse('nope'), URL.canParse('x', 'http://a/b'),
        URL.parse('nope'), URL.parse('/p', new URL('https://h/q')).href,
        JSON.stringify({ u: new URL('http://a/b') }), String(new URL('http://a/b?c')),
      ]`),
    ).toEqual([true, false, true, null, 'https://h/p', '{"u":"http://a/b"}', 'http://a/b?c'])
  })

  it('updates through its setters', async () => {
    const got = await guest(`
      const u = new URL('http://a.com/p?x=1#h')
      u.protocol = 'https'; const a = u.href
      u.host = 'b.org:8443'; const b = u.href
      u.hostname = 'c.net'; u.port = '443'; const c = u.href
      u.port = ''; u.username = 'us er'; u.password = 'p@ss'; const d = u.href
      u.pathname = '/a b/../c'; u.search = 'q=1 2'; u.hash = 'frag ment'; const e = u.href
      u.search = ''; u.hash = ''; u.protocol = 'mailto'; const f = u.href
      u.href = 'http://new/'; const g = u.href
      let threw = false; try { u.href = 'nope' } catch (err) { threw = err instanceof TypeError }
      return [a, b, c, d, e, f, g, threw]
    `)
    expect(got).toEqual([
      'https://a.com/p?x=1#h',
      'https://b.org:8443/p?x=1#h',
      'https://c.net/p?x=1#h',
      'https://us%20er:p%40ss@c.net/p?x=1#h',
      'https://us%20er:p%40ss@c.net/c?q=1%202#frag%20ment',
      'https://us%20er:p%40ss@c.net/c',
      'http://new/',
      true,
    ])
  })
})

describe('URLSearchParams', () => {
  it('parses, encodes and iterates like Node', async () => {
    const got = await guest(`
      const p = new URLSearchParams('?a=1&b=x+y&a=2&c=%E2%9C%93&d&=e&f=%zz')
      return {
        get: [p.get('a'), p.get('b'), p.get('c'), p.get('d'), p.get(''), p.get('f'), p.get('none')],
        all: p.getAll('a'), has: [p.has('a'), p.has('a', '2'), p.has('a', '3')], size: p.size,
        entries: [...p], str: p.toString(),
        fromObject: new URLSearchParams({ x: 'a b', y: 'é&=' }).toString(),
        fromPairs: new URLSearchParams([['k', 'v'], ['k', 'w']]).toString(),
        special: new URLSearchParams({ s: "*-._~!'()" }).toString(),
      }
    `)
    const p = new URLSearchParams('?a=1&b=x+y&a=2&c=%E2%9C%93&d&=e&f=%zz')
    expect(got).toEqual({
      get: [p.get('a'), p.get('b'), p.get('c'), p.get('d'), p.get(''), p.get('f'), p.get('none')],
      all: p.getAll('a'),
      has: [true, true, false],
      size: p.size,
      entries: [...p],
      str: p.toString(),
      fromObject: new URLSearchParams({ x: 'a b', y: 'é&=' }).toString(),
      fromPairs: 'k=v&k=w',
      special: new URLSearchParams({ s: "*-._~!'()" }).toString(),
    })
  })

  it('mutates: append, set, delete, sort', async () => {
    const got = await guest(`
      const p = new URLSearchParams('b=2&a=1&b=3&c=4')
      p.append('d', '5'); p.set('b', 'x'); p.delete('c'); const a = p.toString()
      p.sort(); const b = p.toString()
      p.delete('b', 'nope'); const c = p.toString()
      return [a, b, c]
    `)
    expect(got).toEqual(['b=x&a=1&d=5', 'a=1&b=x&d=5', 'a=1&b=x&d=5'])
  })

  it('is live-linked to its URL, both ways', async () => {
    const got = await guest(`
      const u = new URL('http://a/p?x=1')
      const p = u.searchParams
      p.append('y', 'two words'); const a = u.href
      u.search = '?z=3'; const b = [p.get('x'), p.get('z')]
      p.delete('z'); const c = u.href
      return [a, b, c, u.searchParams === p]
    `)
    expect(got).toEqual(['http://a/p?x=1&y=two+words', [null, '3'], 'http://a/p', true])
  })
})
