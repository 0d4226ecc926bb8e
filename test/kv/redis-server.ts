import { startRedis as start, type RedisServer } from '../../bench/redis-server.js'
import { scaled } from '../helpers/time.js'

export type { RedisServer }

/** redis-server on a free loopback port, its start bounded by the test time scale. */
export const startRedis = () => start(scaled(10_000))
