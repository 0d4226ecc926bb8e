import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkPublic, createOutboundFetch, limitSubrequests } from '../../host/sandbox/outbound.js'
import { errorAnswer, expectServes, handler, hostPerTest } from './host.js'
import { PUBLIC_STANDIN } from './names.js'
import { MiB, peakGrowth } from './rss.js'

/*
 * Guest fetch() past the address checks: credentials do not follow a redirect to another origin,
 * the bytes responses bring in count against the function's memory cap, and the deny list holds
 * the IPv6 forms that embed or once meant private addresses.
 */

const BIG = 30 * MiB
/** Beside the function's cap and one response in flight: modules, buffers, GC lag. */
const RSS_MARGIN = 192 * MiB

interface Site {
  server: Server
  port: number
  origin: string
}

/** A stand-in for a public site: echoes the headers it got, redirects, or sends 30 MB. */
async function site(
  answer: (
    path: string,
    headers: IncomingHttpHeaders,
  ) => [number, Record<string, string>, string | Buffer],
): Promise<Site> {
  const server = createServer((req, res) => {
    const [status, headers, body] = answer(req.url ?? '', req.headers)
    res.writeHead(status, headers).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, PUBLIC_STANDIN, resolve))
  const port = (server.address() as AddressInfo).port
  return { server, port, origin: `http://${PUBLIC_STANDIN}:${port}` }
}

const CREDENTIALS = {
  authorization: 'Bearer secret',
  'proxy-authorization': 'Basic c2VjcmV0',
  cookie: 'session=secret',
  'x-api-key': 'secret',
}

const SENDER = handler(`
  const { url } = await req.json()
  const res = await fetch(url, { headers: ${JSON.stringify({ ...CREDENTIALS, 'x-custom': 'kept' })} })
  return new Response(await res.text())
`)

describe('guest fetch() limits', () => {
  let a: Site
  let b: Site
  const big = Buffer.alloc(BIG, 'x')
  beforeAll(async () => {
    const echo = (headers: IncomingHttpHeaders): [number, Record<string, string>, string] => [
      200,
      { 'content-type': 'application/json' },
      JSON.stringify(headers),
    ]
    b = await site((_path, headers) => echo(headers))
    a = await site((path, headers) => {
      if (path === '/cross') return [302, { location: `${b.origin}/echo` }, '']
      if (path === '/same') return [302, { location: '/echo' }, '']
      if (path === '/big') return [200, { 'content-type': 'application/octet-stream' }, big]
      return echo(headers)
    })
  })
  afterAll(async () => {
    for (const s of [a, b]) await new Promise((r) => s?.server.close(r))
  })

  const start = hostPerTest()

  it('drops credentials on a redirect to another origin (another port), keeps them on the same origin', async () => {
    const h = await start({ 'send.js': SENDER })
    const post = async (url: string) => {
      const res = await h.call('/send', { method: 'POST', body: JSON.stringify({ url }) })
      expect(res.status).toBe(200)
      return (await res.json()) as Record<string, string>
    }
    const cross = await post(`${a.origin}/cross`)
    for (const name of Object.keys(CREDENTIALS)) expect(cross[name]).toBeUndefined()
    expect(cross['x-custom']).toBe('kept')
    const same = await post(`${a.origin}/same`)
    expect(same).toMatchObject({ ...CREDENTIALS, 'x-custom': 'kept' })
    await expectServes(h.call)
  })

  it("counts fetched bodies against the memory cap: 50 fetches of 30 MB held unread end in MEMORY_LIMIT at the function's 64 MB", async () => {
    const h = await start({
      'hoard.js': handler(`
        const held = []
        const url = 'http://public.test:' + new URL(req.url).searchParams.get('port') + '/big'
        for (let i = 0; i < 50; i++) held.push(await fetch(url))
        return new Response('held ' + held.length)`),
      'hoard.json': JSON.stringify({ memoryMb: 64, timeoutMs: 20_000 }),
    })
    const { result, growth } = await peakGrowth(h, () =>
      errorAnswer(h.call, `/hoard?port=${a.port}`),
    )
    expect(result).toMatchObject({ status: 500, error: 'MEMORY_LIMIT' })
    expect(growth).toBeLessThan(64 * MiB + BIG + RSS_MARGIN)
    await expectServes(h.call)
  })

  it("stops the host buffering an invocation's responses past its budget, before they reach the guest", async () => {
    const fetchOnce = createOutboundFetch({
      lookup: async () => [{ address: PUBLIC_STANDIN, family: 4 }],
      policy: () => undefined,
    })
    const limited = limitSubrequests(fetchOnce, 50, 64 * MiB)
    const signal = new AbortController().signal
    const sizes: number[] = []
    const failure = await (async () => {
      for (let i = 0; i < 5; i++)
        sizes.push(
          (await (await limited(new Request(`${a.origin}/big`), signal)).arrayBuffer()).byteLength,
        )
    })().catch((e: Error) => e)
    expect(sizes).toEqual([BIG, BIG])
    expect(failure).toBeInstanceOf(TypeError)
    expect((failure as Error).message).toMatch(/fetch responses together passed 67108864 bytes/)
  })

  it('denies the IPv4-mapped and -translated and the site-local IPv6 ranges', () => {
    expect(checkPublic('::ffff:0:7f00:1', 6)).toBe('IPv4-translated')
    expect(checkPublic('::ffff:0:a00:1', 6)).toBe('IPv4-translated')
    expect(checkPublic('::ffff:7f00:1', 6)).toBe('loopback')
    expect(checkPublic('fec0::1', 6)).toBe('site-local')
    expect(checkPublic('feff::1', 6)).toBe('site-local')
  })
})
