import { afterEach, describe, expect, it } from 'vitest'
import { KvError } from '../../host/kv/errors.js'
import { KV_LIMIT_DEFAULTS } from '../../host/kv/limits.js'
import type { KvStore } from '../../host/kv/store.js'
import type { KvLimits } from '../../host/kv/types.js'
import { scaled } from '../helpers/time.js'

/** Past a 1 s TTL, with room for a slow machine. */
const TTL_WAIT_MS = 1000 + scaled(300)

export type OpenStore = (limits?: Partial<KvLimits>) => Promise<KvStore>

const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b))

async function kvCode(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    if (e instanceof KvError) return e.code
    throw e
  }
  throw new Error('expected a KvError')
}

/** The behaviour every backend must show, run once per backend. */
export function kvConformance(backend: string, open: OpenStore): void {
  describe(`kv conformance: ${backend}`, () => {
    const opened: KvStore[] = []
    const store = async (limits?: Partial<KvLimits>) => {
      const s = await open(limits)
      opened.push(s)
      return s
    }
    afterEach(async () => {
      for (const s of opened.splice(0)) await s[Symbol.asyncDispose]()
    })

    it('puts, gets, overwrites and deletes text and bytes', async () => {
      const ns = (await store()).namespace('fn:a')
      expect(await ns.get('missing')).toBeNull()
      await ns.put('greeting', 'héllo')
      expect(text(await ns.get('greeting'))).toBe('héllo')
      await ns.put('greeting', 'bye')
      expect(text(await ns.get('greeting'))).toBe('bye')
      const bytes = new Uint8Array([0, 255, 1, 0, 128])
      await ns.put('bin', bytes)
      expect([...((await ns.get('bin')) ?? [])]).toEqual([...bytes])
      await ns.put('empty', '')
      expect(text(await ns.get('empty'))).toBe('')
      expect(await ns.delete('greeting')).toBe(true)
      expect(await ns.delete('greeting')).toBe(false)
      expect(await ns.get('greeting')).toBeNull()
    })

    it('keeps namespaces apart and reports their usage', async () => {
      const s = await store()
      await s.namespace('fn:a').put('k', 'one')
      await s.namespace('fn:b').put('k', 'two')
      await s.namespace('fn:b').put('k2', 'x')
      expect(text(await s.namespace('fn:a').get('k'))).toBe('one')
      expect(text(await s.namespace('fn:b').get('k'))).toBe('two')
      expect(await s.namespace('fn:c').get('k')).toBeNull()
      expect(await s.namespaces()).toEqual([
        { name: 'fn:a', keys: 1, bytes: 4 },
        { name: 'fn:b', keys: 2, bytes: 7 },
      ])
    })

    it('lists in byte order, by prefix, in pages joined by cursors', async () => {
      const ns = (await store()).namespace('fn:list')
      const names = Array.from({ length: 25 }, (_, i) => `user:${String(i).padStart(2, '0')}`)
      for (const n of [...names].reverse()) await ns.put(n, 'v')
      await ns.put('other', 'v')
      await ns.put('user', 'v')
      await ns.put('usera', 'v')
      await ns.put('user:é', 'v')
      const seen: string[] = []
      let cursor: string | undefined
      let pages = 0
      for (;;) {
        const page = await ns.list({ prefix: 'user:', limit: 10, cursor })
        pages++
        seen.push(...page.keys.map((k) => k.name))
        if (page.complete) {
          expect(page.cursor).toBeUndefined()
          break
        }
        expect(page.keys).toHaveLength(10)
        cursor = page.cursor
      }
      expect(pages).toBe(3)
      expect(seen).toEqual([...names, 'user:é'])
      const all = await ns.list()
      expect(all.complete).toBe(true)
      expect(all.keys.map((k) => k.name)).toEqual(['other', 'user', ...names, 'user:é', 'usera'])
      expect(await kvCode(ns.list({ limit: 0 }))).toBe('KV_BAD_ARGUMENT')
      expect(await kvCode(ns.list({ cursor: 'not a cursor!' }))).toBe('KV_BAD_ARGUMENT')
    })

    it('increments atomically from nothing, refuses a non-number and keeps it', async () => {
      const ns = (await store()).namespace('fn:inc')
      expect(await ns.increment('n', 1)).toBe(1)
      expect(await ns.increment('n', 41)).toBe(42)
      expect(await ns.increment('n', -50)).toBe(-8)
      expect(text(await ns.get('n'))).toBe('-8')
      await ns.put('word', 'abc')
      expect(await kvCode(ns.increment('word', 1))).toBe('KV_NOT_A_NUMBER')
      expect(text(await ns.get('word'))).toBe('abc')
      await ns.put('big', String(Number.MAX_SAFE_INTEGER))
      expect(await kvCode(ns.increment('big', 1))).toBe('KV_BAD_ARGUMENT')
      expect(await kvCode(ns.increment('n', 1.5))).toBe('KV_BAD_ARGUMENT')
    })

    it('expires keys after their TTL, in get, list and usage', async () => {
      const s = await store()
      const ns = s.namespace('fn:ttl')
      const before = Date.now()
      await ns.put('short', 'x', { ttl: 1 })
      await ns.put('long', 'y', { ttl: 3600 })
      await ns.put('forever', 'z')
      expect(text(await ns.get('short'))).toBe('x')
      const listed = (await ns.list()).keys
      const long = listed.find((k) => k.name === 'long')!
      expect(long.expiration).toBeGreaterThanOrEqual(before + 3_599_000)
      expect(listed.find((k) => k.name === 'forever')!.expiration).toBeUndefined()
      await new Promise((r) => setTimeout(r, TTL_WAIT_MS))
      expect(await ns.get('short')).toBeNull()
      expect((await ns.list()).keys.map((k) => k.name)).toEqual(['forever', 'long'])
      await ns.put('short', 'again')
      expect(text(await ns.get('short'))).toBe('again')
      expect((await s.namespaces()).find((n) => n.name === 'fn:ttl')?.keys).toBe(3)
      await ns.put('forever', 'z2', { ttl: 1 })
      await ns.put('forever', 'z3')
      await new Promise((r) => setTimeout(r, TTL_WAIT_MS))
      expect(text(await ns.get('forever'))).toBe('z3')
      expect(await kvCode(ns.put('k', 'v', { ttl: 0 }))).toBe('KV_BAD_ARGUMENT')
    })

    it('refuses oversized keys and values, writing nothing', async () => {
      const ns = (await store()).namespace('fn:size')
      const { maxKeyBytes, maxValueBytes } = KV_LIMIT_DEFAULTS
      await ns.put('k'.repeat(maxKeyBytes), 'ok')
      expect(await kvCode(ns.put('k'.repeat(maxKeyBytes + 1), 'v'))).toBe('KV_KEY_TOO_LARGE')
      // 'é' is two UTF-8 bytes: the limit counts bytes, not characters.
      expect(await kvCode(ns.get('é'.repeat(maxKeyBytes / 2 + 1)))).toBe('KV_KEY_TOO_LARGE')
      await ns.put('big', new Uint8Array(maxValueBytes))
      expect((await ns.get('big'))?.length).toBe(maxValueBytes)
      await ns.put('v', 'old')
      expect(await kvCode(ns.put('v', new Uint8Array(maxValueBytes + 1)))).toBe(
        'KV_VALUE_TOO_LARGE',
      )
      expect(text(await ns.get('v'))).toBe('old')
      expect(await kvCode(ns.put('', 'v'))).toBe('KV_BAD_ARGUMENT')
    })

    it('enforces the namespace quota without a partial write, and frees space on delete', async () => {
      const s = await store({ quotaBytes: 100 })
      const ns = s.namespace('fn:quota')
      await ns.put('a', 'x'.repeat(49)) // 50 bytes: key + value
      await ns.put('b', 'x'.repeat(49)) // 100: full
      expect(await kvCode(ns.put('c', 'x'))).toBe('KV_QUOTA_EXCEEDED')
      expect(await ns.get('c')).toBeNull()
      expect(await kvCode(ns.put('a', 'x'.repeat(50)))).toBe('KV_QUOTA_EXCEEDED')
      expect((await ns.get('a'))?.length).toBe(49)
      await ns.put('a', 'x'.repeat(9)) // shrinking is allowed: 60 bytes now
      await ns.put('c', 'x'.repeat(39)) // 100 again
      expect(await kvCode(ns.increment('d', 1))).toBe('KV_QUOTA_EXCEEDED')
      expect(await ns.get('d')).toBeNull()
      expect(await ns.delete('b')).toBe(true)
      await ns.put('d', 'x'.repeat(49))
      expect(await s.namespaces()).toEqual([{ name: 'fn:quota', keys: 3, bytes: 100 }])
      // Another namespace has its own quota.
      await s.namespace('fn:other').put('a', 'x'.repeat(99))
    })
  })
}
