import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost, type Host } from '../../host/host.js'
import { silentLogger } from '../../host/observe/log.js'
import { serve, type RunningServer } from '../../host/server.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { sharedTestPool } from '../helpers/host.js'

/** Sends the path bytes as given: fetch() and app.request() normalise them before they leave. */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('raw request paths on a real server', () => {
  let dir: TempDir
  let host: Host
  let server: RunningServer
  afterEach(async () => {
    await server?.close()
    await host?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })

  it('never reach an ignored file, the filesystem or another function', async () => {
    dir = await functionsDir({
      'hello.js': `export default { fetch: (req) => new Response('hello ' + new URL(req.url).pathname) }`,
      '_private.js': `export default { fetch: () => new Response('private') }`,
      'api/inner.js': `export default { fetch: () => new Response('inner') }`,
    })
    host = await createHost({
      dir: dir.path,
      watch: false,
      logger: silentLogger,
      sharedPool: sharedTestPool(),
    })
    server = await serve({ fetch: host.fetch, port: 0, host: '127.0.0.1' })
    const cases: [string, number, string | RegExp][] = [
      ['/hello/../_private', 404, /FUNCTION_NOT_FOUND/],
      ['/hello/%2e%2e/_private', 404, /FUNCTION_NOT_FOUND/],
      ['/hello/%2E%2E/%2E%2E/etc/passwd', 404, /FUNCTION_NOT_FOUND/],
      ['/hello/..%2f_private', 400, /BAD_REQUEST/],
      ['/hello/..%5c_private', 200, 'hello /hello/..%5c_private'],
      ['/api/%2e%2e/hello', 200, 'hello /hello'],
      ['//hello//x', 200, 'hello //hello//x'],
      ['/api%2finner', 400, /BAD_REQUEST/],
    ]
    for (const [path, status, body] of cases) {
      const res = await rawGet(server.url, path)
      expect(res.status, path).toBe(status)
      if (typeof body === 'string') expect(res.body, path).toBe(body)
      else expect(res.body, path).toMatch(body)
    }
  })
})
