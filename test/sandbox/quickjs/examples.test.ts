import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../../../host/paths.js'
import { checkPublic, createOutboundFetch } from '../../../host/sandbox/outbound.js'
import { createQuickjsDriver, quickjsDriver } from '../../../host/sandbox/quickjs/driver.js'
import type { LoadedFunction, SandboxDriver } from '../../../host/sandbox/types.js'
import { scanFile } from '../../../host/registry/scan.js'
import { invokeOptions } from './helpers.js'
import { invokeHttp } from '../../helpers/invoke.js'
import { inspectHere } from '../../helpers/inspect.js'

const loaded: LoadedFunction[] = []
afterEach(async () => {
  for (const fn of loaded.splice(0)) await fn[Symbol.asyncDispose]()
})

const examplesDir = join(packageRoot, 'guests/examples')

/** An example as the registry builds it: bundled with its imports (TypeScript, npm packages). */
async function example(name: string, file: string, driver: SandboxDriver = quickjsDriver) {
  const outcome = await scanFile(examplesDir, join(examplesDir, file), inspectHere)
  if ('failure' in outcome) throw new Error(outcome.failure.reason)
  expect(outcome.spec.name).toBe(name)
  const fn = await driver.load(outcome.spec)
  loaded.push(fn)
  return async (path: string, init: RequestInit = {}, params: Record<string, string> = {}) => {
    const res = await invokeHttp(
      fn,
      new Request(`http://localhost${path}`, init),
      invokeOptions({ params, requestId: 'rid-1' }),
    )
    const text = await res.text()
    return { status: res.status, type: res.headers.get('content-type'), text, headers: res.headers }
  }
}

describe('examples answer what their header comment says', () => {
  it('hello.js', async () => {
    const call = await example('hello', 'hello.js')
    expect(await call('/hello')).toMatchObject({
      status: 200,
      type: 'text/plain;charset=UTF-8',
      text: 'Hello from fnhost!\n',
    })
    expect((await call('/hello?name=Ada')).text).toBe('Hello, Ada!\n')
  })

  it('echo.js', async () => {
    const call = await example('echo', 'echo.js')
    const res = await call('/echo?x=1', {
      method: 'POST',
      headers: { 'x-demo': 'yes' },
      body: 'some body',
    })
    expect(res).toMatchObject({ status: 200, type: 'application/json' })
    expect(JSON.parse(res.text)).toEqual({
      method: 'POST',
      path: '/echo',
      query: { x: '1' },
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'x-demo': 'yes' },
      body: 'some body',
    })
  })

  it('users/[id].js', async () => {
    const call = await example('users/[id]', 'users/[id].js')
    expect(await call('/users/42', {}, { id: '42' })).toMatchObject({
      status: 200,
      type: 'application/json',
      text: '{"id":42,"name":"User 42","links":{"self":"/users/42"}}',
    })
    expect(await call('/users/abc', {}, { id: 'abc' })).toMatchObject({
      status: 400,
      text: '{"error":"id must be a positive integer, got \\"abc\\""}',
    })
  })

  it('event.js', async () => {
    const call = await example('event', 'event.js')
    expect(await call('/event?name=Ada')).toMatchObject({
      status: 200,
      type: 'application/json',
      text: '{"greeting":"Hello, Ada!","method":"GET","path":"/event","requestId":"rid-1"}',
    })
    expect((await call('/event', { method: 'POST', body: 'abc' })).text).toBe(
      '{"received":3,"base64":false}',
    )
  })

  it('open-runtimes.cjs', async () => {
    const call = await example('open-runtimes', 'open-runtimes.cjs')
    expect(await call('/open-runtimes')).toMatchObject({
      status: 200,
      type: 'text/plain',
      text: 'Open Runtimes says hi (GET /open-runtimes)',
    })
    expect(await call('/open-runtimes', { method: 'POST', body: '{"n":21}' })).toMatchObject({
      status: 200,
      type: 'application/json',
      text: '{"doubled":42}',
    })
    expect(await call('/open-runtimes', { method: 'POST', body: 'oops' })).toMatchObject({
      status: 400,
      text: '{"error":"send JSON like {\\"n\\": 21}"}',
    })
  })

  it('greet.ts (TypeScript importing a _lib module)', async () => {
    const call = await example('greet', 'greet.ts')
    expect(await call('/greet?name=Ada&lang=fr')).toMatchObject({
      status: 200,
      type: 'application/json',
      text: '{"greeting":"Bonjour, Ada!","lang":"fr"}',
    })
    expect(await call('/greet?lang=xx')).toMatchObject({
      status: 400,
      text: '{"error":"unknown lang xx; try en, fr, de"}',
    })
  })

  it('hono-api.ts (imports hono, bundled at load)', async () => {
    const call = await example('hono-api', 'hono-api.ts')
    expect(await call('/hono-api')).toMatchObject({
      status: 200,
      type: 'text/plain;charset=UTF-8',
      text: 'Hono on fnhost',
    })
    expect(await call('/hono-api/users/7')).toMatchObject({
      status: 200,
      text: '{"id":"7","name":"User 7"}',
    })
    expect(
      await call('/hono-api/echo', {
        method: 'POST',
        body: '{"a":1}',
        headers: { 'content-type': 'application/json' },
      }),
    ).toMatchObject({ status: 200, type: 'application/json', text: '{"echo":{"a":1}}' })
    expect(await call('/hono-api/nope')).toMatchObject({
      status: 404,
      text: '{"error":"no route for GET /hono-api/nope"}',
    })
  })

  describe('fetch-proxy.js', () => {
    let server: Server
    let port: number
    beforeAll(async () => {
      server = createServer((req, res) => {
        res.setHeader('content-type', 'text/plain')
        res.end('upstream ' + req.url)
      })
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      port = (server.address() as AddressInfo).port
    })
    afterAll(() => new Promise<void>((r) => server.close(() => r())))

    it('relays a public upstream (a local server standing in for one)', async () => {
      const driver = createQuickjsDriver({
        hostFetch: createOutboundFetch({
          lookup: async () => [{ address: '127.0.0.1', family: 4 }],
          policy: (address, family) =>
            address === '127.0.0.1' ? undefined : checkPublic(address, family),
        }),
      })
      const call = await example('fetch-proxy', 'fetch-proxy.js', driver)
      const upstream = `http://upstream.test:${port}/page`
      const res = await call(`/fetch-proxy?url=${encodeURIComponent(upstream)}`)
      expect(res).toMatchObject({ status: 200, type: 'text/plain', text: 'upstream /page' })
      expect(res.headers.get('x-upstream-url')).toBe(upstream)
    })

    it('refuses private addresses, and asks for a url', async () => {
      const call = await example('fetch-proxy', 'fetch-proxy.js')
      const denied = await call(
        `/fetch-proxy?url=${encodeURIComponent(`http://127.0.0.1:${port}/`)}`,
      )
      expect(denied).toMatchObject({ status: 502, type: 'application/json' })
      expect(JSON.parse(denied.text).error).toMatch(
        /^fetch to http:\/\/127\.0\.0\.1:\d+\/ denied: 127\.0\.0\.1 is a loopback address, /,
      )
      expect(await call('/fetch-proxy')).toMatchObject({
        status: 400,
        text: '{"error":"add ?url=https://..."}',
      })
    })
  })
})
