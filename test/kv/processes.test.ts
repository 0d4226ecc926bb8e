import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collect, listeningUrl, spawnCli } from '../helpers/cli.js'
import { sized } from '../helpers/size.js'
import { scaled } from '../helpers/time.js'
import { startRedis, type RedisServer } from './redis-server.js'

/** Increments of one key across two processes: 10,000 in `npm test` (the store's contract), fewer in test:fast. */
const INCREMENTS = sized(10_000, 1_000)
// 10,000 fsync-acknowledged increments of one key: about 30 s on a quiet 2-core box, minutes on a busy one.
const BURST_TIMEOUT_MS = scaled(360_000)
const RETRY_PAUSE_MS = 50
const COUNTER = `export default {
  async fetch(request, env) {
    return new Response(String(await env.KV.increment('hits')))
  },
}
`

let root: string
let redis: RedisServer
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fnhost-kv-processes-'))
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

/**
 * Process behaviour: host processes sharing one store, each started as `fnhost serve` (a minute of
 * CLI starts and requests). In `npm test` only; test/kv/host.test.ts serves KV in-process.
 */
describe('KV across host processes', () => {
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
