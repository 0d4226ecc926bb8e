import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHost } from '../../host/host.js'
import { collect, listeningUrl, spawnCli } from '../helpers/cli.js'
import { sized } from '../helpers/size.js'
import { scaled } from '../helpers/time.js'
import { startRedis, type RedisServer } from './redis-server.js'

/** Increments of one key across two processes: 10,000 in `npm test` (the store's contract), fewer in test:fast. */
const INCREMENTS = sized(10_000, 1_000)
/** A host's own pool (a restart starts a new one), without the default spare worker. */
const ONE_WORKER = { workers: 1, warmSpare: false }
// 10,000 fsync-acknowledged increments of one key: about 30 s on a quiet 2-core box, minutes on a busy one.
const BURST_TIMEOUT_MS = scaled(360_000)
const RETRY_PAUSE_MS = 50
const COUNTER = `export default {
  async fetch(request, env) {
    return new Response(String(await env.KV.increment('hits')))
  },
}
`
const READER = `export default {
  async fetch(request, env) {
    if (request.method === 'PUT') await env.KV.put('note', await request.text())
    return new Response(await env.KV.get('note'))
  },
}
`

let root: string
let redis: RedisServer
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fnhost-kv-host-'))
  redis = await startRedis()
})
afterAll(async () => {
  rmSync(root, { recursive: true, force: true })
  await redis?.[Symbol.asyncDispose]()
})

function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name, 'functions')
  mkdirSync(dir, { recursive: true })
  for (const [file, source] of Object.entries(files)) writeFileSync(join(dir, file), source)
  return dir
}

/** `total` GETs spread over the URLs, `perUrl` at a time on each; returns the bodies. */
async function hammer(urls: string[], total: number, perUrl: number): Promise<string[]> {
  const bodies: string[] = []
  let left = total
  const loop = async (url: string) => {
    while (left > 0) {
      left--
      for (;;) {
        const res = await fetch(url)
        const body = await res.text()
        // OVERLOADED, and a load that failed because no worker became ready (a loaded machine),
        // are answered before the function runs: the request did nothing, so it is sent again.
        if (res.status === 503 || (res.status === 500 && body.includes('FUNCTION_LOAD_FAILED'))) {
          await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS))
          continue
        }
        if (res.status !== 200) throw new Error(`${res.status}: ${body}`)
        bodies.push(body)
        break
      }
    }
  }
  await Promise.all(urls.flatMap((u) => Array.from({ length: perUrl }, () => loop(u))))
  return bodies
}

describe('KV through the host', () => {
  it('values written by a function survive a host restart', async () => {
    const dir = folder('restart', { 'note.js': READER, 'counter.js': COUNTER })
    const dataDir = join(root, 'restart', 'data')
    {
      await using host = await createHost({ dir, watch: false, dataDir, pool: ONE_WORKER })
      const res = await host.app.request('/note', { method: 'PUT', body: 'remember me' })
      expect(await res.text()).toBe('remember me')
      expect(await (await host.app.request('/counter')).text()).toBe('1')
    }
    await using host = await createHost({ dir, watch: false, dataDir, pool: ONE_WORKER })
    expect(await (await host.app.request('/note')).text()).toBe('remember me')
    expect(await (await host.app.request('/counter')).text()).toBe('2')
  })

  it('the management API lists and edits what functions stored', async () => {
    const dir = folder('admin', { 'note.js': READER })
    const key = 'an-admin-key-of-16+'
    await using host = await createHost({
      dir,
      watch: false,
      dataDir: join(root, 'admin', 'data'),
      config: { admin: { key } },
      pool: ONE_WORKER,
    })
    await host.app.request('/note', { method: 'PUT', body: 'from the function' })
    const auth = { authorization: `Bearer ${key}` }
    const api = (path: string, init: RequestInit = {}) =>
      host.app.request(`/_fnhost/v1/kv${path}`, { ...init, headers: auth })
    expect(await (await api('/namespaces')).json()).toEqual({
      namespaces: [{ name: 'fn:note', keys: 1, bytes: 21 }],
    })
    expect(await (await api('/namespaces/fn%3Anote/keys/note')).text()).toBe('from the function')
    expect(
      (await api('/namespaces/fn%3Anote/keys/note', { method: 'PUT', body: 'edited' })).status,
    ).toBe(204)
    expect(await (await host.app.request('/note')).text()).toBe('edited')
    expect((await host.app.request('/_fnhost/v1/kv/namespaces')).status).toBe(401)
  })

  for (const backend of ['sqlite', 'redis'])
    it(
      `two host processes with two workers each count ${INCREMENTS} requests exactly (${backend})`,
      async () => {
        const dir = folder(`burst-${backend}`, { 'counter.js': COUNTER })
        const flags =
          backend === 'redis'
            ? ['--kv-redis', redis.url]
            : ['--data', join(root, `burst-${backend}`, 'data')]
        const hosts = [0, 1].map(() =>
          spawnCli(['serve', dir, '--port', '0', '--workers', '2', '--quiet', ...flags]),
        )
        try {
          const urls = await Promise.all(hosts.map((h) => listeningUrl(h, scaled(30_000))))
          const bodies = await hammer(
            urls.map((u) => `${u}/counter`),
            INCREMENTS,
            8,
          )
          const values = bodies.map(Number).sort((a, b) => a - b)
          // Every increment answered a distinct value, and together they are exactly 1..INCREMENTS.
          expect(values[0]).toBe(1)
          expect(values[values.length - 1]).toBe(INCREMENTS)
          expect(new Set(values).size).toBe(INCREMENTS)
          expect(await (await fetch(`${urls[0]}/counter`)).text()).toBe(String(INCREMENTS + 1))
        } finally {
          for (const h of hosts) h.kill('SIGTERM')
          await Promise.all(hosts.map((h) => collect(h)))
        }
      },
      BURST_TIMEOUT_MS,
    )
})
