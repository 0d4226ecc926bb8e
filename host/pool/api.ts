import type { FunctionInspector, FunctionLoader } from '../sandbox/types.js'

export interface PoolStats {
  /** Workers serving (ready), and those starting. */
  workers: number
  starting: number
  /** A started worker held in reserve for the next respawn. */
  spareReady: boolean
  inFlight: number
  queued: number
  /** Functions loaded through the pool (versions not yet disposed). */
  functions: number
  /** Copies of functions loaded in workers, and the memory caps they reserve. */
  sandboxes: number
  sandboxMemoryMb: number
  /** Workers started to replace lost ones. */
  respawns: number
  /** Workers terminated by the watchdog. */
  kills: number
  /** Workers lost otherwise (uncaught error, out of memory, killed from outside). */
  crashes: number
  /** Sandboxes dropped to make room or for being idle. */
  evictions: number
  /** Invocations answered OVERLOADED by admission control. */
  rejected: number
}

/** Guest execution off the main thread: the registry loads and inspects functions through it. */
export interface WorkerPool extends AsyncDisposable {
  readonly load: FunctionLoader
  readonly inspect: FunctionInspector
  stats(): PoolStats
}
