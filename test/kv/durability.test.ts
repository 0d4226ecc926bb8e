import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { openKvStore } from '../../host/kv/backends.js'
import { KV_LIMIT_DEFAULTS } from '../../host/kv/limits.js'
import type { KvSettings } from '../../host/kv/options.js'
import { namespaceFile } from '../../host/kv/sqlite.js'
import { collect } from '../helpers/cli.js'
import { sized } from '../helpers/size.js'
import { scaled } from '../helpers/time.js'
import { startRedis, type RedisServer } from './redis-server.js'

const CHILD_TIMEOUT_MS = scaled(120_000)
/** Acknowledged writes to wait for before the SIGKILL lands mid-burst. */
const ACKS_BEFORE_KILL = 300
/** Increments of one key from two processes of two threads each (fewer in test:fast). */
const INCREMENTS = sized(10_000, 2_000)
const THREADS = 2

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname

function runChild(script: string, args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', fixture(script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

let root: string
let redis: RedisServer
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fnhost-kv-durable-'))
  redis = await startRedis()
})
afterAll(async () => {
  rmSync(root, { recursive: true, force: true })
  await redis?.[Symbol.asyncDispose]()
})
let n = 0
const sqlite = (): KvSettings => ({
  backend: 'sqlite',
  dir: join(root, String(n++)),
  limits: KV_LIMIT_DEFAULTS,
})
const redisSettings = (): KvSettings => ({
  backend: 'redis',
  url: redis.url,
  keyPrefix: `d${n++}:`,
  limits: KV_LIMIT_DEFAULTS,
})

describe('kv durability', () => {
  const stores: AsyncDisposable[] = []
  afterEach(async () => {
    for (const s of stores.splice(0)) await s[Symbol.asyncDispose]()
  })

  it('values survive closing and reopening the SQLite store', async () => {
    const settings = sqlite()
    {
      await using store = openKvStore(settings)
      await store.namespace('fn:a').put('k', 'kept')
      await store.namespace('fn:a').increment('n', 7)
    }
    const again = openKvStore(settings)
    stores.push(again)
    expect(new TextDecoder().decode((await again.namespace('fn:a').get('k'))!)).toBe('kept')
    expect(await again.namespace('fn:a').increment('n', 1)).toBe(8)
  })

  it(
    'a SIGKILL during a burst of writes loses no acknowledged write and corrupts nothing',
    async () => {
      const settings = sqlite()
      const child = runChild('burst.ts', [JSON.stringify(settings)])
      const acked: string[] = []
      let buffered = ''
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('the burst did not start')),
          CHILD_TIMEOUT_MS,
        )
        child.stderr.on('data', (d) => process.stderr.write(d))
        child.stdout.on('data', (d) => {
          buffered += d
          const lines = buffered.split('\n')
          buffered = lines.pop()!
          acked.push(...lines)
          if (acked.length >= ACKS_BEFORE_KILL && child.exitCode === null) {
            child.kill('SIGKILL')
            clearTimeout(timer)
            resolve()
          }
        })
      })
      await new Promise((r) => child.once('exit', r))
      // Lines that reached us after the kill was sent are acknowledged too.
      const lines = buffered.split('\n').filter((l) => l.startsWith('k'))
      acked.push(...lines.filter((l) => /^k\d+$/.test(l)))
      const db = new Database(join((settings as { dir: string }).dir, namespaceFile('fn:burst')))
      expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }])
      db.close()
      const store = openKvStore(settings)
      stores.push(store)
      const ns = store.namespace('fn:burst')
      for (const key of acked) {
        const i = Number(key.slice(1))
        const value = await ns.get(key)
        expect(value && new TextDecoder().decode(value), key).toBe(
          `value-${i}-`.repeat(1 + (i % 50)),
        )
      }
      // Usage bookkeeping was written in the same transactions: it matches the rows exactly.
      const [usage] = await store.namespaces()
      const listed = (await ns.list()).keys.length
      expect(usage?.keys).toBe(listed)
      expect(listed).toBeGreaterThanOrEqual(acked.length)
    },
    CHILD_TIMEOUT_MS,
  )

  for (const [backend, settingsFor] of [
    ['sqlite', sqlite],
    ['redis', redisSettings],
  ] as const)
    it(
      `two processes with two threads each increment one key to exactly ${INCREMENTS} (${backend})`,
      async () => {
        const settings = settingsFor()
        const results = await Promise.all(
          [0, 1].map(() =>
            collect(
              runChild('increment.ts', [
                JSON.stringify(settings),
                String(THREADS),
                String(INCREMENTS / 2 / THREADS),
              ]),
            ),
          ),
        )
        for (const r of results) expect(r.stdout + r.stderr).toContain(`done ${INCREMENTS / 2}`)
        const store = openKvStore(settings)
        stores.push(store)
        const value = await store.namespace('shared:counter').get('hits')
        expect(new TextDecoder().decode(value!)).toBe(String(INCREMENTS))
      },
      CHILD_TIMEOUT_MS,
    )
})
