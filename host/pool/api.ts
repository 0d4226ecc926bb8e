import type { PoolStats } from '../observe/pool-stats.js'
import type { FunctionInspector, FunctionLoader } from '../sandbox/types.js'

export type { PoolStats }

/** Guest execution off the main thread: the registry loads and inspects functions through it. */
export interface WorkerPool extends AsyncDisposable {
  readonly load: FunctionLoader
  readonly inspect: FunctionInspector
  stats(): PoolStats
}
