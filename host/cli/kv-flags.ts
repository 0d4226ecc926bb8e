import type { HostConfig } from '../host-config.js'
import { kvOptionsSchema } from '../kv/options.js'
import { UsageError } from './args.js'

/** `--kv-redis URL` as a config layer (it overrides fnhost.json's `kv.backend` and `kv.redis`). */
export function kvFlags(redisUrl: string | undefined): HostConfig | undefined {
  if (redisUrl === undefined) return undefined
  const parsed = kvOptionsSchema.safeParse({ backend: 'redis', redis: { url: redisUrl } })
  if (!parsed.success) throw new UsageError(`--kv-redis takes a redis:// URL, got '${redisUrl}'`)
  return { kv: parsed.data }
}
