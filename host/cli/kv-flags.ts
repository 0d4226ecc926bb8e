import { kvOptionsSchema, type KvOptions } from '../kv/options.js'
import { UsageError } from './args.js'

/** `--kv-redis URL` as KV options (the flag overrides fnhost.json's `kv.backend`). */
export function kvFlags(redisUrl: string | undefined): KvOptions | undefined {
  if (redisUrl === undefined) return undefined
  const parsed = kvOptionsSchema.safeParse({ backend: 'redis', redis: { url: redisUrl } })
  if (!parsed.success) throw new UsageError(`--kv-redis takes a redis:// URL, got '${redisUrl}'`)
  return parsed.data
}
