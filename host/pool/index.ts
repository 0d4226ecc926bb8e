export type { PoolStats, WorkerPool } from './api.js'
export { poolDefaults, type PoolOptions } from './options.js'
export { createPool } from './pool.js'
