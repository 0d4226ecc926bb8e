import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../../host/paths.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, type TestHost } from '../helpers/host.js'
import { scaled } from '../helpers/time.js'

const wasm = (rel: string) => readFileSync(join(packageRoot, 'wasm', rel))

/** A fresh transpile cache per run, inside the folder (names starting with _ are not functions). */
const cacheOf = (root: string) => join(root, '_cache')
const poolOptions = (root: string) => ({
  graceMs: 100,
  drivers: { componentCacheDir: cacheOf(root) },
})

/** A variable only the host process has: no component may see it. */
const HOST_SECRET = 'FNHOST_COMPONENT_TEST_SECRET'

describe('wasi:http components over a real socket', () => {
  let dir: TempDir
  let h: TestHost
  beforeAll(async () => {
    process.env[HOST_SECRET] = 'host-only-value'
    dir = await functionsDir({
      'hello.wasm': wasm('examples/component-hello.wasm'),
      'shared.wasm': wasm('examples/component-hello.wasm'),
      'shared.json': JSON.stringify({ isolation: 'shared' }),
      'loop.wasm': wasm('fixtures/component-loop.wasm'),
      'loop.json': JSON.stringify({ timeoutMs: 300 }),
      'grow.wasm': wasm('fixtures/component-grow.wasm'),
      'grow.json': JSON.stringify({ memoryMb: 4 }),
      'sockets.wasm': wasm('fixtures/component-sockets.wasm'),
      'sandbox.wasm': wasm('fixtures/component-sandbox.wasm'),
      'sandbox.json': JSON.stringify({ env: { GREETING: 'hi' } }),
    })
    h = await startHost('real server', { dir: dir.path, pool: poolOptions(dir.path) })
  }, scaled(60_000))
  afterAll(async () => {
    delete process.env[HOST_SECRET]
    await h?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })

  it('answers from a C component without libc, body and query included', async () => {
    const res = await h.call('/hello?name=Ada', { method: 'POST', body: 'abc' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(await res.text()).toBe('Hello, Ada! (component) body=3 bytes')
  })

  it('serves the same answers from one shared instance', async () => {
    for (const name of ['one', 'two', 'three']) {
      const res = await h.call(`/shared?name=${name}`)
      expect(await res.text()).toBe(`Hello, ${name}! (component)`)
    }
  })

  it("puts the component's stdout and stderr in the function's log", async () => {
    const res = await h.call('/sandbox')
    expect(res.status).toBe(200)
    const guest = h.logs.filter((l) => l.fields.src === 'guest').map((l) => l.message)
    expect(guest).toContain('sandbox component ran')
    expect(guest).toContain('to stderr')
  })

  it('gives a component its own env only, and no preopened directory', async () => {
    const body = await (await h.call('/sandbox')).text()
    expect(body).toBe('env 1 GREETING=hi; preopens 0')
    expect(body).not.toContain(HOST_SECRET)
  })

  it('refuses a component importing a socket interface, naming the import', async () => {
    const res = await h.call('/sockets')
    expect(res.status).toBe(500)
    const err = (await res.json()) as { error: string; message: string }
    expect(err.error).toBe('FUNCTION_LOAD_FAILED')
    expect(err.message).toContain('wasi:sockets/tcp-create-socket@0.2.12')
  })

  it('stops a looping component with 504 CPU_LIMIT and keeps serving', async () => {
    const res = await h.call('/loop')
    expect(res.status).toBe(504)
    expect(((await res.json()) as { error: string }).error).toBe('CPU_LIMIT')
    expect(await (await h.call('/hello')).text()).toBe('Hello, world! (component)')
  })

  it('answers 500 MEMORY_LIMIT when a component allocates past its cap', async () => {
    const res = await h.call('/grow')
    expect(res.status).toBe(500)
    expect(((await res.json()) as { error: string }).error).toBe('MEMORY_LIMIT')
    expect(await (await h.call('/hello')).text()).toBe('Hello, world! (component)')
  })

  it('keeps transpiled components on disk: a restarted host does not transpile again', async () => {
    const before = cacheEntries(cacheOf(dir.path))
    expect(before.size).toBeGreaterThan(0)
    await using again = await startHost('real server', {
      dir: dir.path,
      pool: poolOptions(dir.path),
    })
    expect(await (await again.call('/hello?name=again')).text()).toBe('Hello, again! (component)')
    expect(cacheEntries(cacheOf(dir.path))).toEqual(before)
  })
})

/** Each cache entry with the time its module was written. */
function cacheEntries(cache: string): Map<string, number> {
  return new Map(
    readdirSync(cache).map((e) => [e, statSync(join(cache, e, 'component.mjs')).mtimeMs]),
  )
}
