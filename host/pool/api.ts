import type { PoolStats } from '../observe/pool-stats.js'
import type { FunctionInspector, FunctionLoader } from '../sandbox/types.js'

export type { PoolStats }

/** Guest execution off the main thread: the registry loads and inspects functions through it. */
export interface WorkerPool extends AsyncDisposable {
  readonly load: FunctionLoader
  readonly inspect: FunctionInspector
  /**
   * A scan-time check for a starting host's first scan, before anything is served: it runs on a
   * serving worker, idle until then, instead of starting the scanner's own thread for it (a
   * thread and an engine compile that a start would wait for). Not for a pool that serves.
   */
  readonly inspectFirst?: FunctionInspector
  stats(): PoolStats
}
