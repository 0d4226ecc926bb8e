import type { GuestCounts } from './guest-counts.js'

/** What the worker pool reports (host/pool/api.ts): read by the metrics and the dashboard. */
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
  /** Copies of functions loaded in workers, and the memory they use (MB). */
  sandboxes: number
  sandboxMemoryMb: number
  /** Workers started to replace lost ones. */
  respawns: number
  /** Workers terminated by the watchdog (the last resort). */
  kills: number
  /** Overrunning guest code stopped in place, its worker serving on (its sandbox is rebuilt). */
  stops: number
  /** How overrunning guest code is stopped: in place by V8 termination, or by terminating the worker. */
  stopMechanism: 'v8-terminate' | 'worker-kill'
  /** Workers lost otherwise (uncaught error, out of memory, killed from outside). */
  crashes: number
  /** Sandboxes dropped to make room or for being idle. */
  evictions: number
  /** Invocations answered OVERLOADED by admission control. */
  rejected: number
  /** Sandbox copies loaded into workers (first loads, loads on more workers, reloads after eviction). */
  loads: number
  /** Memory each function's sandbox copies use (MB), by function name. */
  memoryMbByFunction: Record<string, number>
  /** Guests' outbound fetches and sandbox rebuilds in all workers. */
  guest: GuestCounts
}
