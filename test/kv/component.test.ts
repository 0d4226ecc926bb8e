import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../../host/paths.js'
import { cComponent } from '../helpers/c-component.js'
import { clangToolchain } from '../helpers/clang.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, type TestHost } from '../helpers/host.js'
import { scaled } from '../helpers/time.js'
import { transpiledCache } from '../helpers/transpiled.js'
import { startRedis, type RedisServer } from './redis-server.js'

const SETUP_TIMEOUT_MS = scaled(120_000)
const TEST_TIMEOUT_MS = scaled(60_000)
/** Increments of one key, half from a JS guest and half from a C component, all at once. */
const INCREMENTS_EACH = 40
const MAX_VALUE_BYTES = 4096

/** A JS guest with the `notes` namespace: PUT stores the body, POST increments, GET reads. */
const WRITER = `export const config = { kv: ['notes'] }
export default {
  async fetch(request, env) {
    const key = new URL(request.url).searchParams.get('key')
    if (request.method === 'PUT') await env.KV_NOTES.put(key, await request.text())
    if (request.method === 'POST') return new Response(String(await env.KV_NOTES.increment(key, 1)))
    if (new URL(request.url).searchParams.has('own')) await env.KV.put(key, 'own secret')
    return new Response(String(await env.KV_NOTES.get(key)))
  },
}
`

async function built(dir: TempDir, source: string, name: string): Promise<void> {
  await dir.write(
    `${name}.wasm`,
    await cComponent(join(packageRoot, 'test/fixtures/component/kv', source)),
  )
}

/** Functions: the JS writer, the C fixture granted `notes`, the same without it, the README counter. */
async function kvFolder(): Promise<TempDir> {
  const dir = await functionsDir({
    'writer.js': WRITER,
    'reader.json': JSON.stringify({ kv: ['notes'] }),
    'sockets.wasm': readFileSync(join(packageRoot, 'wasm/fixtures/component-sockets.wasm')),
  })
  await built(dir, 'kv.c', 'reader')
  await built(dir, 'kv.c', 'intruder')
  await built(dir, 'counter.c', 'counter')
  await built(dir, 'libc-notes.c', 'notes')
  await dir.write('notes.json', JSON.stringify({ isolation: 'shared', memoryMb: 8 }))
  return dir
}

const hostOptions = (dir: TempDir, config = {}) => ({
  dir: dir.path,
  config,
  // Two workers: the JS guest and the component meet on one key from different threads.
  pool: {
    workers: 2,
    graceMs: 100,
    drivers: { componentCacheDir: transpiledCache() },
  },
})

async function text(h: TestHost, path: string, init?: RequestInit) {
  const res = await h.call(path, init)
  return { status: res.status, text: await res.text() }
}

/** The shared checks, run against each backend. */
function readsAndCounts(host: () => TestHost) {
  it(
    'a C component reads what a JS guest wrote, and the JS guest what it wrote',
    async () => {
      const h = host()
      await h.call('/writer?key=greeting', { method: 'PUT', body: 'héllo from JS' })
      expect(await text(h, '/reader?op=get&bucket=notes&key=greeting')).toEqual({
        status: 200,
        text: 'héllo from JS',
      })
      expect(await text(h, '/reader?op=exists&bucket=notes&key=greeting')).toEqual({
        status: 200,
        text: 'yes',
      })
      expect((await text(h, '/reader?op=get&bucket=notes&key=absent')).status).toBe(404)
      expect(
        await text(h, '/reader?op=set&bucket=notes&key=reply', { method: 'POST', body: 'from C' }),
      ).toEqual({ status: 200, text: 'ok' })
      expect((await text(h, '/writer?key=reply')).text).toBe('from C')
      expect((await text(h, '/reader?op=delete&bucket=notes&key=reply')).text).toBe('ok')
      expect((await text(h, '/writer?key=reply')).text).toBe('null')
    },
    TEST_TIMEOUT_MS,
  )

  it(
    `increments from JS and from a component on one key end at exactly ${2 * INCREMENTS_EACH}`,
    async () => {
      const h = host()
      const calls = Array.from({ length: INCREMENTS_EACH }, () => [
        text(h, '/writer?key=count', { method: 'POST' }),
        text(h, '/reader?op=incr&bucket=notes&key=count'),
      ]).flat()
      const answers = await Promise.all(calls)
      for (const a of answers) expect(a.status, a.text).toBe(200)
      const values = answers.map((a) => Number(a.text)).sort((a, b) => a - b)
      // Every increment saw a distinct value: together exactly 1..2n.
      expect(values).toEqual(Array.from({ length: 2 * INCREMENTS_EACH }, (_, i) => i + 1))
      expect((await text(h, '/writer?key=count')).text).toBe(String(2 * INCREMENTS_EACH))
      expect((await text(h, '/reader?op=incr&bucket=notes&key=count&by=5')).text).toBe(
        String(2 * INCREMENTS_EACH + 5),
      )
    },
    TEST_TIMEOUT_MS,
  )
}

describe.runIf(clangToolchain)('components: wasi:keyvalue over a real socket', () => {
  describe('SQLite', () => {
    let dir: TempDir
    let h: TestHost
    beforeAll(async () => {
      dir = await kvFolder()
      const limits = { maxValueBytes: MAX_VALUE_BYTES }
      h = await startHost('real server', hostOptions(dir, { kv: { limits } }))
    }, SETUP_TIMEOUT_MS)
    afterAll(async () => {
      await h?.[Symbol.asyncDispose]()
      await dir?.[Symbol.asyncDispose]()
    })

    readsAndCounts(() => h)

    it(
      'answers access-denied for a bucket the function was not granted, never its data',
      async () => {
        await h.call('/writer?key=secret', { method: 'PUT', body: 'shared note' })
        await h.call('/writer?key=secret&own=1')
        for (const bucket of ['notes', 'fn:writer', 'shared:notes', 'NOTES', 'writer', '../x'])
          expect(
            await text(h, `/intruder?op=get&bucket=${encodeURIComponent(bucket)}&key=secret`),
          ).toEqual({ status: 409, text: 'access-denied' })
        // Its own bucket is its own namespace: the writer's own key is not there.
        expect((await text(h, '/intruder?op=get&bucket=&key=secret')).status).toBe(404)
        expect((await text(h, '/reader?op=get&bucket=notes&key=secret')).text).toBe('shared note')
      },
      TEST_TIMEOUT_MS,
    )

    it(
      'answers a value past the limit with the KV code in error other, writing nothing',
      async () => {
        const big = 'v'.repeat(MAX_VALUE_BYTES + 1)
        const res = await text(h, '/reader?op=set&bucket=notes&key=big', {
          method: 'POST',
          body: big,
        })
        expect(res.status).toBe(409)
        expect(res.text).toMatch(/^other: KV_VALUE_TOO_LARGE: value is 4097 bytes/)
        expect((await text(h, '/reader?op=exists&bucket=notes&key=big')).text).toBe('no')
        const long = 'k'.repeat(1025)
        expect((await text(h, `/reader?op=get&bucket=&key=${long}`)).text).toMatch(
          /^other: KV_KEY_TOO_LARGE: /,
        )
        expect((await text(h, '/reader?op=get&bucket=&key=')).text).toMatch(
          /^other: KV_BAD_ARGUMENT: /,
        )
      },
      TEST_TIMEOUT_MS,
    )

    it(
      "counts with the README's component counter in the function's own namespace",
      async () => {
        expect(await text(h, '/counter')).toEqual({ status: 200, text: '1\n' })
        expect(await text(h, '/counter')).toEqual({ status: 200, text: '2\n' })
      },
      TEST_TIMEOUT_MS,
    )

    it(
      'serves wasi:keyvalue to a component linked with wasi-libc, with isolation: shared',
      async () => {
        // Under this host's 4 KiB value limit: 40 requests reading a growing value.
        const chunk = 'n'.repeat(100)
        for (let i = 1; i <= 40; i++)
          expect(await text(h, '/notes', { method: 'POST', body: chunk })).toEqual({
            status: 200,
            text: String(i * chunk.length),
          })
        const logged = h.logs.filter((l) => l.message.startsWith('libc note '))
        expect(logged.at(-1)?.message).toBe(`libc note ${40 * chunk.length}`)
      },
      TEST_TIMEOUT_MS,
    )

    it(
      'still refuses a component importing an unknown interface, naming it',
      async () => {
        const res = await h.call('/sockets')
        expect(res.status).toBe(500)
        const body = (await res.json()) as { error: string; message: string }
        expect(body.error).toBe('FUNCTION_LOAD_FAILED')
        expect(body.message).toContain('wasi:sockets/tcp-create-socket@0.2.12')
      },
      TEST_TIMEOUT_MS,
    )
  })

  describe('Redis (the guest thread blocks on the helper thread)', () => {
    let redis: RedisServer
    let dir: TempDir
    let h: TestHost
    beforeAll(async () => {
      redis = await startRedis()
      dir = await kvFolder()
      h = await startHost(
        'real server',
        hostOptions(dir, { kv: { backend: 'redis', redis: { url: redis.url } } }),
      )
    }, SETUP_TIMEOUT_MS)
    afterAll(async () => {
      await h?.[Symbol.asyncDispose]()
      await dir?.[Symbol.asyncDispose]()
      await redis?.[Symbol.asyncDispose]()
    })

    readsAndCounts(() => h)
  })

  describe('a host without a store', () => {
    let dir: TempDir
    let h: TestHost
    beforeAll(async () => {
      dir = await kvFolder()
      h = await startHost('real server', { ...hostOptions(dir), kv: false })
    }, SETUP_TIMEOUT_MS)
    afterAll(async () => {
      await h?.[Symbol.asyncDispose]()
      await dir?.[Symbol.asyncDispose]()
    })

    it(
      'loads the component and answers its open with error other (KV_UNAVAILABLE)',
      async () => {
        expect(await text(h, '/counter')).toEqual({ status: 503, text: 'other' })
        expect((await text(h, '/reader?op=get&bucket=&key=k')).text).toMatch(
          /^other: KV_UNAVAILABLE: this host has no key-value store/,
        )
      },
      TEST_TIMEOUT_MS,
    )
  })
})
