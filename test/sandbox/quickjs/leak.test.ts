import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOutboundFetch } from '../../../host/sandbox/outbound.js'
import { Sandbox } from '../../../host/sandbox/quickjs/sandbox.js'
import { specFor } from '../../helpers/spec.js'
import { get, invokeOptions } from './helpers.js'
import { invocationOf, invokeHttp, responseOf } from '../../helpers/invoke.js'

let server: Server
let origin: string

beforeAll(async () => {
  server = createServer((req, res) => res.end('pong ' + req.url))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

const hostFetch = createOutboundFetch({ policy: () => undefined })

async function sandboxFor(source: string, config: unknown = {}) {
  return Sandbox.load(specFor('/functions/leak.js', { source, config }), {
    hostFetch,
    maxSubrequests: 50,
  })
}

/** Every feature that makes the host create QuickJS handles, in one handler. */
const BUSY = `export default { async fetch(request, env, ctx) {
  const path = new URL(request.url).pathname
  if (path === '/throw') throw new Error('boom')
  if (path === '/bad') return 'not a response'
  const body = await request.text()
  console.log('body', body.length, { nested: [1, 2] })
  await new Promise((r) => setTimeout(r, 0))
  const iv = setInterval(() => {}, 1); clearInterval(iv)
  setTimeout(() => {}, 10000)
  queueMicrotask(() => {})
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body))
  const id = crypto.randomUUID()
  const text = new TextDecoder().decode(new TextEncoder().encode('x'.repeat(200)))
  let fetched = ''
  if (path === '/fetch') fetched = await (await fetch(env.ORIGIN + '/ping')).text()
  ctx.waitUntil(Promise.resolve())
  return new Response(new Uint8Array(digest).length + id.length + text.length + fetched, { headers: { 'x-id': id } })
} }`

describe('QuickJS handles are all disposed', () => {
  it('memory stays flat over 1,000 requests of every kind, and the runtime frees cleanly', async () => {
    const sandbox = await sandboxFor(BUSY, { env: { ORIGIN: origin } })
    const paths = ['/ok', '/throw', '/bad', '/fetch']
    const round = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const path = paths[i % paths.length]!
        await invocationOf(get(path, { method: 'POST', body: 'payload ' + i }))
          .then((inv) => sandbox.invoke(inv, invokeOptions()))
          .then((r) => responseOf(r).text())
          .catch(() => undefined)
      }
    }
    await round(100)
    const before = sandbox.memoryUsage()
    await round(1000)
    const after = sandbox.memoryUsage()
    expect(after.objects - before.objects).toBeLessThan(50)
    expect(after.usedBytes - before.usedBytes).toBeLessThan(64 * 1024)
    await sandbox.whenIdle()
    expect(() => sandbox.dispose()).not.toThrow()
  }, 60_000)

  it('a handle kept past dispose is caught: QuickJS refuses to free the runtime', async () => {
    const sandbox = await sandboxFor(`export default { fetch: () => new Response('') }`)
    const leaked = sandbox.rt.context.newObject()
    let error: unknown
    try {
      sandbox.dispose()
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(/leaked handle/)
    // The engine's own refusal (its abort, which it no longer prints) is the cause.
    expect(String((error as Error).cause)).toMatch(/Aborted\(Assertion failed: list_empty/)
    expect(leaked.alive).toBe(true)
  })

  it('a request-isolated function frees every sandbox it made', async () => {
    const { createQuickjsDriver } = await import('../../../host/sandbox/quickjs/driver.js')
    const fn = await createQuickjsDriver({ hostFetch }).load(
      specFor('/functions/leak.js', {
        source: BUSY,
        config: { isolation: 'request', env: { ORIGIN: origin } },
      }),
    )
    for (const path of ['/ok', '/throw', '/bad', '/fetch'])
      await invokeHttp(fn, get(path), invokeOptions()).then(
        (r) => r.text(),
        () => undefined,
      )
    await expect(fn[Symbol.asyncDispose]()).resolves.toBeUndefined()
  })
})
