import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { checkPublic, createOutboundFetch, type Lookup } from '../../../host/sandbox/outbound.js'
import { disposeAll, get, invokeOptions, loadJs } from './helpers.js'
import { invokeHttp } from '../../helpers/invoke.js'

let server: Server
let port: number
const hits: string[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url!)
    const url = new URL(req.url!, 'http://x')
    if (url.pathname === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to')! })
      return res.end()
    }
    if (url.pathname === '/echo') {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        res.setHeader('content-type', 'application/json')
        res.end(
          JSON.stringify({
            method: req.method,
            header: req.headers['x-a'] ?? null,
            body: Buffer.concat(chunks).toString(),
          }),
        )
      })
      return
    }
    if (url.pathname === '/slow') return void setTimeout(() => res.end('slow'), 2000)
    res.setHeader('x-served', 'yes')
    res.end('hello ' + url.pathname)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))
afterEach(disposeAll)

/** public.test is our local server; internal.test resolves to a private address. */
const lookup: Lookup = async (host) => {
  if (host === 'public.test') return [{ address: '127.0.0.1', family: 4 }]
  if (host === 'internal.test') return [{ address: '10.0.0.5', family: 4 }]
  if (host === 'mixed.test')
    return [
      { address: '93.184.216.34', family: 4 },
      { address: '192.168.1.1', family: 4 },
    ]
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
}

/** Loopback is allowed for exactly our test server's address; everything else is the real policy. */
const testPolicy = (address: string, family: 4 | 6) =>
  address === '127.0.0.1' ? undefined : checkPublic(address, family)

const driver = { hostFetch: createOutboundFetch({ lookup, policy: testPolicy }) }

async function guestFetch(body: string, hostFetch = driver.hostFetch) {
  const fn = await loadJs(
    `export default { async fetch(request, env) { const out = await (async () => { ${body} })(); return Response.json(out) } }`,
    {
      driver: { hostFetch },
      config: { env: { BASE: `http://public.test:${port}` } },
    },
  )
  return (await invokeHttp(fn, get(), invokeOptions())).json()
}

const attempt = (url: string) =>
  `try { const r = await fetch(${JSON.stringify(url)}); return 'allowed ' + r.status } catch (e) { return e.constructor.name + ': ' + e.message }`

describe('guest fetch through the host', () => {
  it('gets status, headers, body, url from an allowed server', async () => {
    expect(
      await guestFetch(
        `const r = await fetch(env.BASE + '/hi'); return [r.status, r.ok, r.headers.get('x-served'), await r.text(), r.url, r.redirected, r.type]`,
      ),
    ).toEqual([200, true, 'yes', 'hello /hi', `http://public.test:${port}/hi`, false, 'basic'])
  })

  it('sends method, headers and body', async () => {
    expect(
      await guestFetch(
        `const r = await fetch(new Request(env.BASE + '/echo', { method: 'POST', headers: { 'x-a': 'A' }, body: 'sent' })); return r.json()`,
      ),
    ).toEqual({ method: 'POST', header: 'A', body: 'sent' })
  })

  it('follows redirects to allowed addresses, and returns them as is with redirect: manual', async () => {
    const to = encodeURIComponent(`http://public.test:${port}/landed`)
    expect(
      await guestFetch(`const r = await fetch(env.BASE + '/redirect?to=${to}'); const m = await fetch(env.BASE + '/redirect?to=${to}', { redirect: 'manual' })
        return [await r.text(), r.redirected, r.url, m.status, m.headers.get('location')]`),
    ).toEqual([
      'hello /landed',
      true,
      `http://public.test:${port}/landed`,
      302,
      `http://public.test:${port}/landed`,
    ])
  })

  it('aborts with the guest signal', async () => {
    expect(
      await guestFetch(`const c = new AbortController(); setTimeout(() => c.abort(), 20)
        try { await fetch(env.BASE + '/slow', { signal: c.signal }); return 'finished' } catch (e) { return e.name }`),
    ).toBe('AbortError')
  })
})

describe('the outbound policy', () => {
  it('denies loopback, link-local, private and numeric-host addresses with a TypeError saying why', async () => {
    const denied: [string, string][] = [
      [`http://127.0.0.1:${port}/`, 'loopback'],
      ['http://[::1]/', 'loopback'],
      ['http://2130706433/', '127.0.0.1 is a loopback'],
      ['http://[::ffff:127.0.0.1]/', 'loopback'],
      ['http://0.0.0.0/', 'this-network'],
      ['http://internal.test/', '10.0.0.5 is a private'],
      ['http://mixed.test/', '192.168.1.1 is a private'],
      ['ftp://public.test/', 'only http and https'],
    ]
    const publicOnly = createOutboundFetch({ lookup })
    for (const [url, why] of denied) {
      const got = await guestFetch(attempt(url), publicOnly)
      expect(got, url).toMatch(/^TypeError: /)
      expect(got, url).toContain(why)
    }
    expect(hits.filter((h) => h === '/')).toEqual([])
  })

  it('re-checks every redirect target', async () => {
    for (const target of [
      'http://internal.test/secret',
      `http://[::1]:${port}/secret`,
      `http://127.0.0.2:${port}/secret`,
    ]) {
      const got = await guestFetch(
        attempt(`http://public.test:${port}/redirect?to=${encodeURIComponent(target)}`),
      )
      expect(got, target).toMatch(/^TypeError: .*denied/)
    }
    expect(hits).not.toContain('/secret')
  })

  it('allows 50 subrequests per invocation and refuses the 51st', async () => {
    const got = await guestFetch(`const results = []
      for (let i = 0; i < 51; i++) results.push(await fetch(env.BASE + '/n' + i).then((r) => r.status, (e) => e.message))
      return [results.slice(0, 50).every((s) => s === 200), results[50]]`)
    expect(got).toEqual([true, 'fetch denied: at most 50 subrequests are allowed per invocation'])
  })

  it('counts per invocation: the next request starts at zero', async () => {
    const fn = await loadJs(
      `export default { async fetch(request, env) {
      for (let i = 0; i < 30; i++) await fetch(env.BASE + '/c')
      return new Response('ok')
    } }`,
      { driver, config: { env: { BASE: `http://public.test:${port}` } } },
    )
    expect(await (await invokeHttp(fn, get(), invokeOptions())).text()).toBe('ok')
    expect(await (await invokeHttp(fn, get(), invokeOptions())).text()).toBe('ok')
  })

  it('fetch is refused while the module loads', async () => {
    await expect(
      loadJs(`await fetch('http://public.test/'); export default {}`, { driver }),
    ).rejects.toMatchObject({
      code: 'FUNCTION_LOAD_FAILED',
      message: expect.stringContaining('not available while the module loads'),
    })
  })

  it('checkPublic names the range of every non-public address and passes public ones', () => {
    expect(checkPublic('8.8.8.8', 4)).toBeUndefined()
    expect(checkPublic('2606:4700:4700::1111', 6)).toBeUndefined()
    expect(checkPublic('172.16.5.4', 4)).toBe('private')
    expect(checkPublic('10.0.0.1', 4)).toBe('private')
    expect(checkPublic('169.254.169.254', 4)).toBe('link-local')
    expect(checkPublic('100.64.0.1', 4)).toBe('shared (carrier-grade NAT)')
    expect(checkPublic('224.0.0.1', 4)).toBe('multicast')
    expect(checkPublic('255.255.255.255', 4)).toBe('reserved')
    expect(checkPublic('fe80::1', 6)).toBe('link-local')
    expect(checkPublic('fd00::1', 6)).toBe('unique local')
    expect(checkPublic('::ffff:a9fe:a9fe', 6)).toBe('link-local')
    expect(checkPublic('0:0:0:0:0:ffff:10.1.2.3', 6)).toBe('private')
  })
})
