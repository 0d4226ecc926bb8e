import type { ErrorCode } from '../errors.js'
import type { HeaderList, Invocation } from '../invocation.js'
import type { GuestCounts } from '../observe/guest-counts.js'
import type { LogCap, LogLevel } from '../observe/invocation-log.js'
import type { DriverOptions } from '../sandbox/index.js'
import type { InspectHints } from '../sandbox/types.js'
import type { SandboxKind } from '../types.js'
import type { WireSpec } from './vendor-wire.js'

/** Everything that crosses between the main thread and a worker is plain, cloneable data. */

export interface WireError {
  code: ErrorCode
  message: string
  guestStack?: string
  retryAfterS?: number
  headers?: Record<string, string>
  /** Host-side detail for the host's own log; never shown to a caller. */
  cause?: string
}

export interface WorkerConfig {
  drivers: DriverOptions
  /** Call every driver's warm-up function before taking traffic. */
  warmup: boolean
  /**
   * Warm up this long after reporting ready instead of before: the first worker of a pool takes
   * work as soon as it has booted (work sent meanwhile waits no longer than behind a warm-up).
   */
  warmupLaterMs?: number
  heartbeatMs: number
  logCap: LogCap
  /** The least a function's load may take (its budget is the larger of this and its timeoutMs). */
  loadTimeoutMs: number
  /** This worker's run slot (host/pool/preempt/run-slot.ts); set per worker when it is spawned. */
  runSlot?: SharedArrayBuffer
}

export type ToWorker =
  /**
   * `deadline`: epoch ms, the end of the load's own budget. `forgetVendor`: a vendor bundle the
   * worker no longer keeps for later specs (vendor-wire.ts).
   */
  | {
      type: 'load'
      task: number
      fn: number
      spec: WireSpec
      deadline: number
      forgetVendor?: string
    }
  /** `limitMs`: the function's timeoutMs, which restarts after a load the invocation waited for. */
  | { type: 'invoke'; task: number; fn: number; inv: Invocation; deadline: number; limitMs: number }
  /** Scan-time checks of a file (syntax, module validation, embedded config). */
  | { type: 'inspect'; task: number; file: string; bytes: Uint8Array; hints?: InspectHints }
  | { type: 'abort'; task: number }
  | { type: 'unload'; fn: number }
  /** A function like this one is loading on another worker: prepare for it (DriverSet.expect). */
  | { type: 'expect'; spec: WireSpec; forgetVendor?: string }
  /** The watchdog stopped guest code in this thread: a nudge, so the worker takes a turn and recovers. */
  | { type: 'stopped' }

export type FromWorker =
  /** `warmupError`: why warming up failed (the worker serves anyway). */
  | { type: 'ready'; warmupError?: string }
  /** Something went wrong outside any task; the main thread logs it. */
  | { type: 'problem'; message: string }
  /** The worker is alive and its event loop turning; sent only while it has tasks. */
  | { type: 'beat' }
  /**
   * The task left the worker's queue and is running now (after its sandbox is loaded). An
   * invocation that waited for a load runs under a deadline counted from here (`deadline`).
   */
  | { type: 'started'; task: number; deadline?: number }
  /** An invocation waits for its sandbox to (re)load, which may take until `until` (epoch ms). */
  | { type: 'loading'; task: number; until: number }
  /** The task's guest code was stopped in place at its deadline; the worker serves on. */
  | { type: 'stopped'; task: number }
  | { type: 'loaded'; task: number }
  | { type: 'inspected'; task: number; kind: SandboxKind; config?: unknown }
  /** Guest output, batched: every line the task logged since the last batch. */
  | { type: 'logs'; task: number; lines: [LogLevel, string][]; full: boolean }
  /**
   * `body`: the whole body, or 'stream' when chunks and an `end` follow. `after`: the guest goes
   * on working (waitUntil) once its response is out; a `settled` ends the task.
   */
  | {
      type: 'response'
      task: number
      status: number
      headers: HeaderList
      body: ArrayBuffer | null | 'stream'
      after?: boolean
    }
  | { type: 'chunk'; task: number; data: ArrayBuffer }
  | { type: 'end'; task: number; after?: boolean }
  /** The waitUntil work of a task whose response went out `after` has ended. */
  | { type: 'settled'; task: number }
  | { type: 'failed'; task: number; error: WireError }
  /**
   * The memory a function's copy in this worker uses now (LoadedFunction.memoryBytes), sent after
   * its load and after calls that changed it: what the pool's budget charges for the copy.
   */
  | { type: 'memory'; fn: number; bytes: number }
  /** Guest fetches and sandbox rebuilds since the last such message, for the main thread's metrics. */
  | { type: 'counts'; counts: GuestCounts }
