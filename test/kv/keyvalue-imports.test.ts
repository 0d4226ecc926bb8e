import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { threadBlockingKv } from '../../host/kv/blocking.js'
import { closeThreadKvStores } from '../../host/kv/backends.js'
import { kvGrantsFor } from '../../host/kv/grants.js'
import { KV_LIMIT_DEFAULTS, MAX_LIST_LIMIT } from '../../host/kv/limits.js'
import type { KvSettings } from '../../host/kv/options.js'
import {
  Bucket,
  keyvalueImports,
  type KeyvalueError,
} from '../../host/sandbox/component/wasi/keyvalue.js'
import type { Result } from '../../host/sandbox/component/wasi/io.js'
import { checkWorld } from '../../host/sandbox/component/world.js'
import { startRedis, type RedisServer } from './redis-server.js'

const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : b)

function okValue<T>(r: Result<T, KeyvalueError>): T {
  if (r.tag !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r.val)}`)
  return r.val
}

interface Store {
  open(id: string): Result<Bucket, KeyvalueError>
}
interface Atomics {
  increment(b: Bucket, key: string, delta: bigint): Result<bigint, KeyvalueError>
}
interface Batch {
  getMany(b: Bucket, keys: string[]): Result<([string, Uint8Array] | undefined)[], KeyvalueError>
  setMany(b: Bucket, pairs: [string, Uint8Array][]): Result<undefined, KeyvalueError>
  deleteMany(b: Bucket, keys: string[]): Result<undefined, KeyvalueError>
}

/** The three interfaces as one function granted `notes` sees them. */
async function importsFor(settings: KvSettings, name: string, granted: string[] = []) {
  const spec = { name, config: { kv: granted }, kv: settings }
  const imports = keyvalueImports({
    grants: await kvGrantsFor(spec),
    blocking: () => threadBlockingKv(settings),
  })
  return {
    store: imports['wasi:keyvalue/store'] as unknown as Store,
    atomics: imports['wasi:keyvalue/atomics'] as unknown as Atomics,
    batch: imports['wasi:keyvalue/batch'] as unknown as Batch,
  }
}

function conformance(settings: () => KvSettings) {
  it('maps buckets to granted namespaces and answers access-denied for any other', async () => {
    const writer = await importsFor(settings(), 'writer', ['notes'])
    const other = await importsFor(settings(), 'other')
    const notes = okValue(writer.store.open('notes'))
    okValue(notes.set('k', bytes('shared')))
    okValue(okValue(writer.store.open('')).set('k', bytes('own')))
    for (const id of ['notes', 'fn:writer', 'shared:notes', 'Notes', 'default', '../x'])
      expect(other.store.open(id)).toEqual({ tag: 'err', val: { tag: 'access-denied' } })
    expect(text(okValue(okValue(other.store.open('')).get('k')))).toBeUndefined()
    expect(text(okValue(notes.get('k')))).toBe('shared')
    expect(text(okValue(okValue(writer.store.open('')).get('k')))).toBe('own')
  })

  it('pages list-keys with u64 cursors it hands out, refusing any other', async () => {
    const { store } = await importsFor(settings(), 'lister')
    const b = okValue(store.open(''))
    const total = MAX_LIST_LIMIT + 5
    const { batch } = await importsFor(settings(), 'lister')
    const pairs = Array.from(
      { length: total },
      (_, i) => [`k${String(i).padStart(5, '0')}`, bytes('v')] as [string, Uint8Array],
    )
    okValue(batch.setMany(b, pairs))
    const first = okValue(b.listKeys(undefined))
    expect(first.keys).toHaveLength(MAX_LIST_LIMIT)
    expect(first.cursor).toBe(1n)
    const second = okValue(b.listKeys(first.cursor))
    expect(second).toEqual({ keys: pairs.slice(MAX_LIST_LIMIT).map(([k]) => k), cursor: undefined })
    for (const bad of [0n, 2n, 2n ** 64n - 1n]) {
      const r = b.listKeys(bad)
      expect(r.tag).toBe('err')
      expect(r.val).toEqual({
        tag: 'other',
        val: expect.stringMatching(/^KV_BAD_ARGUMENT: cursor/),
      })
    }
    // A cursor belongs to the bucket that returned it.
    expect(okValue(store.open('')).listKeys(1n).tag).toBe('err')
  })

  it('runs batch calls key by key and increments atomically', async () => {
    const { store, atomics, batch } = await importsFor(settings(), 'batcher')
    const b = okValue(store.open(''))
    okValue(
      batch.setMany(b, [
        ['a', bytes('1')],
        ['b', bytes('2')],
      ]),
    )
    const got = okValue(batch.getMany(b, ['a', 'missing', 'b']))
    expect(got.map((p) => p && [p[0], text(p[1])])).toEqual([['a', '1'], undefined, ['b', '2']])
    okValue(batch.deleteMany(b, ['a', 'missing']))
    expect(okValue(b.exists('a'))).toBe(false)
    expect(okValue(b.exists('b'))).toBe(true)
    expect(okValue(atomics.increment(b, 'n', 5n))).toBe(5n)
    expect(okValue(atomics.increment(b, 'n', 0n))).toBe(5n)
    expect(atomics.increment(b, 'n', 2n ** 63n)).toEqual({
      tag: 'err',
      val: { tag: 'other', val: expect.stringMatching(/^KV_BAD_ARGUMENT: /) },
    })
    expect(atomics.increment(b, 'b', 1n).tag).toBe('ok')
    okValue(b.set('word', bytes('word')))
    expect(atomics.increment(b, 'word', 1n)).toEqual({
      tag: 'err',
      val: { tag: 'other', val: expect.stringMatching(/^KV_NOT_A_NUMBER: /) },
    })
    expect(text(okValue(b.get('word')))).toBe('word')
    // JS and C may store a negative count; a u64 cannot carry it, and the answer says so.
    okValue(b.set('neg', bytes('-10')))
    expect(atomics.increment(b, 'neg', 3n)).toEqual({
      tag: 'err',
      val: { tag: 'other', val: expect.stringMatching(/^KV_NOT_A_NUMBER: the key now holds -7/) },
    })
  })

  it('answers a full quota with other(KV_QUOTA_EXCEEDED), writing nothing', async () => {
    const small = { ...settings(), limits: { ...KV_LIMIT_DEFAULTS, quotaBytes: 100 } }
    const { store, batch } = await importsFor(small, 'quota')
    const b = okValue(store.open(''))
    okValue(b.set('a', new Uint8Array(60)))
    expect(b.set('b', new Uint8Array(60))).toEqual({
      tag: 'err',
      val: { tag: 'other', val: expect.stringMatching(/^KV_QUOTA_EXCEEDED: /) },
    })
    expect(okValue(b.exists('b'))).toBe(false)
    // Batches are key by key, as the WIT allows: the first pair lands, the second is refused.
    expect(
      batch.setMany(b, [
        ['c', new Uint8Array(10)],
        ['d', new Uint8Array(60)],
      ]).tag,
    ).toBe('err')
    expect(okValue(batch.getMany(b, ['c', 'd'])).map((p) => p?.[0])).toEqual(['c', undefined])
  })

  it('refuses a handle the host never opened as a bucket', async () => {
    const { atomics } = await importsFor(settings(), 'forger')
    const forged = Object.create(Bucket.prototype) as Bucket
    expect(forged.get('k')).toEqual({
      tag: 'err',
      val: { tag: 'other', val: 'KV_BAD_ARGUMENT: not a bucket this host opened' },
    })
    expect(atomics.increment(forged, 'k', 1n).tag).toBe('err')
  })
}

let root: string
let n = 0
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fnhost-kv-wit-'))
})
afterAll(async () => {
  await closeThreadKvStores()
  rmSync(root, { recursive: true, force: true })
})

describe('wasi:keyvalue imports', () => {
  describe('on SQLite (answered on the calling thread)', () => {
    conformance(() => ({
      backend: 'sqlite',
      dir: join(root, String(n++)),
      limits: KV_LIMIT_DEFAULTS,
    }))
  })

  describe('on Redis (through the blocking bridge)', () => {
    let redis: RedisServer
    beforeAll(async () => {
      redis = await startRedis()
    })
    afterAll(async () => {
      await redis?.[Symbol.asyncDispose]()
    })
    conformance(() => ({
      backend: 'redis',
      url: redis.url,
      keyPrefix: `t${n++}:`,
      limits: KV_LIMIT_DEFAULTS,
    }))
  })

  it('answers other(KV_UNAVAILABLE) on a host without a store', () => {
    const store = keyvalueImports({})['wasi:keyvalue/store'] as unknown as Store
    expect(store.open('')).toEqual({
      tag: 'err',
      val: { tag: 'other', val: 'KV_UNAVAILABLE: this host has no key-value store' },
    })
  })

  it('accepts wasi:keyvalue@0.2.0-draft only, naming any other version or interface', () => {
    const handler = ['wasi:http/incoming-handler@0.2.12']
    const keyvalue = ['store', 'atomics', 'batch'].map((i) => `wasi:keyvalue/${i}@0.2.0-draft`)
    expect(() => checkWorld({ imports: keyvalue, exports: handler })).not.toThrow()
    expect(() =>
      checkWorld({ imports: ['wasi:keyvalue/store@0.2.0-draft2'], exports: handler }),
    ).toThrow(/imports wasi:keyvalue\/store@0\.2\.0-draft2; fnhost serves .*@0\.2\.0-draft$/)
    expect(() =>
      checkWorld({ imports: ['wasi:keyvalue/watcher@0.2.0-draft'], exports: handler }),
    ).toThrow(/wasi:keyvalue\/watcher@0\.2\.0-draft, which fnhost does not provide/)
  })
})
