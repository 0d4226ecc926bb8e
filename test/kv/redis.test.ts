import { afterAll, beforeAll } from 'vitest'
import { openKvStore } from '../../host/kv/backends.js'
import { KV_LIMIT_DEFAULTS } from '../../host/kv/limits.js'
import { kvConformance } from './conformance.js'
import { startRedis, type RedisServer } from './redis-server.js'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.[Symbol.asyncDispose]()
})
let n = 0

kvConformance('redis', async (limits) =>
  openKvStore({
    backend: 'redis',
    url: redis.url,
    // A prefix per store: each test sees an empty Redis.
    keyPrefix: `t${n++}:`,
    limits: { ...KV_LIMIT_DEFAULTS, ...limits },
  }),
)
