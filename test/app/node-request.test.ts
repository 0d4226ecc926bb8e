import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, transports, type TestHost } from '../helpers/host.js'

/*
 * Through a real server the host reads headers and body off the Node request itself (host/http/
 * incoming.ts), through app.request() off a Web Request: a guest must see the same either way.
 */

const ECHO = `export default {
  async fetch(req) {
    const body = new Uint8Array(await req.arrayBuffer())
    return Response.json({ headers: [...req.headers], size: body.length, sum: body.reduce((a, b) => a + b, 0) })
  },
}
`

interface Echo {
  headers: [string, string][]
  size: number
  sum: number
}

/** A request with repeated and mixed-case header names, as a client may send them. */
const SENT: [string, string][] = [
  ['X-Dup', 'one'],
  ['Accept', 'text/plain'],
  ['x-dup', 'two'],
  ['X-Mixed-Case', 'Value'],
  ['cookie', 'a=1'],
]

/** Sends `headers` (repeats kept) and `body` chunked over a socket; resolves status and body. */
function rawPost(
  base: string,
  path: string,
  headers: [string, string][],
  body: Uint8Array[],
): Promise<{ status: number; text: string }> {
  const url = new URL(path, base)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        // A raw list keeps repeated names apart; Node adds no Host of its own to one.
        headers: [['host', url.host], ...headers].flat(),
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
      },
    )
    req.on('error', reject)
    for (const chunk of body) req.write(chunk)
    req.end()
  })
}

describe('what a guest sees of a request, the same through a real server and app.request()', () => {
  let dir: TempDir | undefined
  let h: TestHost | undefined
  afterEach(async () => {
    await h?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })

  for (const transport of transports)
    it(`headers: lower-case, sorted, repeated names joined (${transport})`, async () => {
      dir = await functionsDir({ 'echo.js': ECHO })
      h = await startHost(transport, { dir: dir.path })
      const headers = new Headers()
      for (const [name, value] of SENT) headers.append(name, value)
      const res = await h.call('/echo', { method: 'POST', headers, body: 'abc' })
      const echo = (await res.json()) as Echo
      const seen = echo.headers.filter(([name]) => SENT.some(([n]) => n.toLowerCase() === name))
      expect(seen).toEqual([...headers])
      expect(seen).toEqual([
        ['accept', 'text/plain'],
        ['cookie', 'a=1'],
        ['x-dup', 'one, two'],
        ['x-mixed-case', 'Value'],
      ])
      expect(echo).toMatchObject({ size: 3, sum: 97 + 98 + 99 })
    })

  it('reads a chunked body off the socket whole, and answers 413 past the limit without a reset', async () => {
    dir = await functionsDir({
      'echo.js': ECHO,
      'echo.json': JSON.stringify({ maxBodyBytes: 100_000 }),
    })
    h = await startHost('real server', { dir: dir.path })
    const base = (await h.call('/echo', { method: 'POST', body: '' })).url
    const chunk = new Uint8Array(30_000).fill(7)
    const ok = await rawPost(base, '/echo', SENT, [chunk, chunk, chunk])
    expect(ok.status).toBe(200)
    const echo = JSON.parse(ok.text) as Echo
    expect(echo).toMatchObject({ size: 90_000, sum: 90_000 * 7 })
    expect(echo.headers).toContainEqual(['x-dup', 'one, two'])
    // Chunked, so no Content-Length refuses it up front: it is cut off as it passes the limit.
    const over = await rawPost(base, '/echo', [], [chunk, chunk, chunk, chunk])
    expect(over.status).toBe(413)
    expect(JSON.parse(over.text)).toMatchObject({ error: 'BODY_TOO_LARGE' })
    expect((await h.call('/echo', { method: 'POST', body: 'x' })).status).toBe(200)
  })
})
