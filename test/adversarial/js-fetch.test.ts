import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectServes, handler, hostPerTest } from './host.js'
import { PUBLIC_STANDIN } from './names.js'

/** A local server that counts what reaches it. */
async function listen(
  host: string,
  answer: (path: string) => { status: number; headers?: Record<string, string> },
) {
  const hits: string[] = []
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '')
    const { status, headers } = answer(req.url ?? '')
    res.writeHead(status, headers).end('reached')
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  return { server, hits, port: (server.address() as AddressInfo).port }
}

/** A guest that fetches each URL in turn and reports what happened to each, never throwing. */
const FETCHER = handler(`
  const urls = await req.json()
  const out = []
  for (const url of urls) {
    try {
      const res = await fetch(url)
      out.push({ status: res.status, body: await res.text() })
    } catch (e) {
      out.push({ error: e.name + ': ' + e.message })
    }
  }
  return Response.json(out)
`)

type Outcome = { status?: number; body?: string; error?: string }

describe('guest fetch() is refused everything but public addresses', () => {
  let secret: Awaited<ReturnType<typeof listen>>
  let secret6: Awaited<ReturnType<typeof listen>>
  let publicSite: Awaited<ReturnType<typeof listen>>
  beforeAll(async () => {
    secret = await listen('127.0.0.1', () => ({ status: 200 }))
    secret6 = await listen('::1', () => ({ status: 200 }))
    publicSite = await listen(PUBLIC_STANDIN, (path) =>
      path === '/redirect'
        ? { status: 302, headers: { location: `http://127.0.0.1:${secret.port}/via-redirect` } }
        : { status: 200 },
    )
  })
  afterAll(async () => {
    for (const s of [secret, secret6, publicSite]) await new Promise((r) => s?.server.close(r))
  })

  const start = hostPerTest()
  async function fetchAll(urls: string[]): Promise<Outcome[]> {
    const h = await start({
      'fetcher.js': FETCHER,
      'fetcher.json': JSON.stringify({ timeoutMs: 10_000 }),
    })
    const res = await h.call('/fetcher', { method: 'POST', body: JSON.stringify(urls) })
    expect(res.status).toBe(200)
    const out = (await res.json()) as Outcome[]
    await expectServes(h.call)
    return out
  }
  const denied = (out: Outcome | undefined, why: RegExp) => {
    expect(out?.error).toMatch(/^TypeError: /)
    expect(out?.error).toMatch(why)
  }

  const direct: [string, () => string, RegExp][] = [
    ['127.0.0.1', () => `http://127.0.0.1:${secret.port}/`, /loopback/],
    ['[::1]', () => `http://[::1]:${secret6.port}/`, /loopback/],
    // Private and link-local ranges (cloud metadata) are refused by the same check; tests only
    // ever send requests to loopback, so those ranges are covered by checkPublic's own tests.
    [
      'http://2130706433/ (127.0.0.1 as one number)',
      () => `http://2130706433:${secret.port}/`,
      /loopback/,
    ],
    [
      'a hostname that resolves to 127.0.0.1',
      () => `http://loopback.test:${secret.port}/`,
      /loopback/,
    ],
  ]
  for (const [name, url, why] of direct) {
    it(`refuses ${name}`, async () => {
      const [out] = await fetchAll([url()])
      denied(out, why)
      expect(secret.hits).toEqual([])
      expect(secret6.hits).toEqual([])
    })
  }

  it('refuses a redirect from a public server to 127.0.0.1', async () => {
    const [ok, redirected] = await fetchAll([
      `http://public.test:${publicSite.port}/ok`,
      `http://public.test:${publicSite.port}/redirect`,
    ])
    expect(ok).toEqual({ status: 200, body: 'reached' })
    denied(redirected, /loopback/)
    expect(publicSite.hits).toContain('/redirect')
    expect(secret.hits).toEqual([])
  })

  it('refuses the 51st fetch of one invocation', async () => {
    const before = publicSite.hits.length
    const out = await fetchAll(
      Array.from({ length: 51 }, (_, i) => `http://public.test:${publicSite.port}/n${i}`),
    )
    expect(out.slice(0, 50).every((o) => o.status === 200)).toBe(true)
    denied(out[50], /at most 50 subrequests/)
    expect(publicSite.hits.length - before).toBe(50)
  })
})
