import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'
import { KvError, unavailable } from './errors.js'
import { checkList, encodeCursor, prefixEnd, quotaError } from './limits.js'
import { DELETE, INCREMENT, LIST, PUT, USAGE } from './redis-scripts.js'
import type { KvBackend, KvLimits, KvListPage } from './types.js'

interface RedisOptions {
  url: string
  /** Prefix of every key fnhost writes, so one Redis can hold other data (default `fnhost:kv:`). */
  keyPrefix?: string
  limits: KvLimits
  /** How long a call waits for a connection before it fails with KV_UNAVAILABLE (ms). */
  connectTimeoutMs?: number
}

type Arg = string | Buffer | number

/** Runs a script by its SHA, loading it on the server the first time (or after a restart). */
function script(redis: Redis, lua: string) {
  const sha = createHash('sha1').update(lua).digest('hex')
  return async (base: string, ...args: Arg[]): Promise<unknown> => {
    try {
      return await redis.evalsha(sha, 1, base, ...args)
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e
      return redis.eval(lua, 1, base, ...args)
    }
  }
}

/** Turns the scripts' error replies into the same KvErrors the SQLite backend throws. */
function scriptError(e: unknown, limits: KvLimits): KvError {
  // Redis puts 'ERR ' before an error reply whose first word it does not take for a code.
  const message = e instanceof Error ? e.message.replace(/^ERR /, '') : ''
  const quota = /^KV_QUOTA_EXCEEDED (\d+) (\d+)/.exec(message)
  if (quota) return quotaError(Number(quota[1]), Number(quota[2]), limits)
  if (message.startsWith('KV_NOT_A_NUMBER'))
    return new KvError('KV_NOT_A_NUMBER', 'the stored value is not a decimal integer')
  if (message.startsWith('KV_RANGE'))
    return new KvError('KV_BAD_ARGUMENT', 'the result is outside the safe integer range')
  return unavailable(e)
}

/**
 * The shared backend for several hosts: every write is one Lua script, so replicas see one
 * consistent store. Durability is the Redis server's (`appendonly yes` + `appendfsync always`
 * makes an acknowledged write survive a Redis crash). Redis Cluster is not supported: a
 * namespace lives under one hash tag, but the scripts build their key names themselves.
 */
export function openRedis(options: RedisOptions): KvBackend {
  const { limits } = options
  const prefix = options.keyPrefix ?? 'fnhost:kv:'
  const registry = `${prefix}namespaces`
  const redis = new Redis(options.url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    maxRetriesPerRequest: 2,
  })
  // Connection errors surface on the calls; without a listener ioredis would log them itself.
  redis.on('error', () => undefined)
  const run = {
    put: script(redis, PUT),
    increment: script(redis, INCREMENT),
    delete: script(redis, DELETE),
    list: script(redis, LIST),
    usage: script(redis, USAGE),
  }
  // Namespace names come from function paths; encoding keeps `{`, `}` and `:` out of key names.
  const base = (ns: string) => `${prefix}{${encodeURIComponent(ns)}}:`
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (e) {
      throw scriptError(e, limits)
    }
  }

  return {
    kind: 'redis',
    get: (ns, key) =>
      call(async () => {
        const value = await redis.getBuffer(`${base(ns)}v:${key}`)
        return value === null ? null : new Uint8Array(value.buffer, value.byteOffset, value.length)
      }),
    put: (ns, key, value, opts) =>
      call(async () => {
        const ttl = opts?.ttl === undefined ? '' : Math.round(opts.ttl * 1000)
        await run.put(base(ns), key, Buffer.from(value), ttl, limits.quotaBytes, registry, ns)
      }),
    delete: (ns, key) => call(async () => (await run.delete(base(ns), key)) === 1),
    increment: (ns, key, by) =>
      call(async () =>
        Number(await run.increment(base(ns), key, by, limits.quotaBytes, registry, ns)),
      ),
    list: (ns, opts) =>
      call(async (): Promise<KvListPage> => {
        const { prefix: p, after, limit } = checkList(opts, limits)
        const from = Buffer.from(p, 'utf8')
        const start =
          after !== undefined && Buffer.compare(Buffer.from(after, 'utf8'), from) >= 0
            ? Buffer.concat([Buffer.from('('), Buffer.from(after, 'utf8')])
            : Buffer.concat([Buffer.from('['), from])
        const end = prefixEnd(p)
        const max = end ? Buffer.concat([Buffer.from('('), end]) : '+'
        const flat = (await run.list(base(ns), start, max, limit + 1)) as string[]
        const keys = []
        for (let i = 0; i < flat.length && keys.length < limit; i += 2)
          keys.push({ name: flat[i]!, ...(flat[i + 1] ? { expiration: Number(flat[i + 1]) } : {}) })
        return flat.length / 2 > limit
          ? { keys, cursor: encodeCursor(keys[keys.length - 1]!.name), complete: false }
          : { keys, complete: true }
      }),
    namespaces: () =>
      call(async () => {
        const names = (await redis.smembers(registry)).sort()
        const out = []
        for (const name of names) {
          const [keys, bytes] = (await run.usage(base(name))) as [number, number]
          if (keys > 0) out.push({ name, keys, bytes })
        }
        return out
      }),
    async [Symbol.asyncDispose]() {
      redis.disconnect()
    },
  }
}
