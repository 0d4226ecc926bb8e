import { dirname, join, relative, resolve, isAbsolute } from 'node:path'
import * as z from 'zod'
import { KV_LIMIT_DEFAULTS } from './limits.js'
import type { KvLimits } from './types.js'

/** `kv` in fnhost.json: which backend and its limits. Unknown keys are errors. */
export const kvOptionsSchema = z.strictObject({
  backend: z.enum(['sqlite', 'redis']).optional(),
  redis: z
    .strictObject({
      url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL'),
      keyPrefix: z.string().min(1).max(100).optional(),
    })
    .optional(),
  limits: z
    .strictObject({
      maxKeyBytes: z.number().int().min(1).max(65_536),
      maxValueBytes: z
        .number()
        .int()
        .min(1)
        .max(64 * 1024 * 1024),
      quotaBytes: z.number().int().min(1),
    })
    .partial()
    .optional(),
})

export type KvOptions = z.infer<typeof kvOptionsSchema>

/** Everything a thread needs to open the store itself: plain data, sent to workers with a spec. */
export type KvSettings =
  | { backend: 'sqlite'; dir: string; limits: KvLimits }
  | { backend: 'redis'; url: string; keyPrefix?: string; limits: KvLimits }

/** The data folder: `--data`, or `.fnhost-data` beside the functions folder. */
export function dataDir(functionsDir: string, given?: string): string {
  const dir = resolve(given ?? join(dirname(resolve(functionsDir)), '.fnhost-data'))
  const inside = relative(resolve(functionsDir), dir)
  if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside)))
    throw new Error(
      `the data folder ${dir} is inside the functions folder; it would be watched and scanned: put it elsewhere (--data DIR)`,
    )
  return dir
}

export function resolveKvSettings(options: KvOptions | undefined, data: string): KvSettings {
  const limits = { ...KV_LIMIT_DEFAULTS, ...options?.limits }
  if (options?.backend === 'redis') {
    if (!options.redis) throw new Error('kv.backend "redis" needs kv.redis.url')
    return { backend: 'redis', url: options.redis.url, keyPrefix: options.redis.keyPrefix, limits }
  }
  return { backend: 'sqlite', dir: data, limits }
}
