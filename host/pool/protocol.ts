import type { ErrorCode } from '../errors.js'
import type { LogLevel } from '../sandbox/types.js'
import type { FunctionSpec } from '../types.js'

/** Everything that crosses between the main thread and a worker is plain, cloneable data. */

export interface WireRequest {
  method: string
  url: string
  headers: [string, string][]
  body: ArrayBuffer | null
}

export interface WireResponseHead {
  status: number
  statusText: string
  headers: [string, string][]
}

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
  loaderModule: string
  warmup: FunctionSpec[]
  heartbeatMs: number
  logCapBytes: number
}

export type ToWorker =
  | { type: 'load'; task: number; fn: number; spec: FunctionSpec }
  | {
      type: 'invoke'
      task: number
      fn: number
      req: WireRequest
      deadline: number
      requestId: string
      params: Record<string, string>
    }
  | { type: 'abort'; task: number }
  | { type: 'unload'; fn: number }

export type FromWorker =
  /** `warmupError`: why warming up failed (the worker serves anyway). */
  | { type: 'ready'; warmupError?: string }
  /** Something went wrong outside any task; the main thread logs it. */
  | { type: 'problem'; message: string }
  /** The worker is alive and its event loop turning; sent only while it has tasks. */
  | { type: 'beat' }
  /** The task left the worker's queue and is running now (after its sandbox is loaded). */
  | { type: 'started'; task: number }
  | { type: 'loaded'; task: number }
  | { type: 'log'; task: number; level: LogLevel; message: string }
  /**
   * `body`: the whole body, or 'stream' when chunks and an `end` follow. `after`: the guest goes
   * on working (waitUntil) once its response is out; a `settled` ends the task.
   */
  | {
      type: 'response'
      task: number
      head: WireResponseHead
      body: ArrayBuffer | null | 'stream'
      after?: boolean
    }
  | { type: 'chunk'; task: number; data: ArrayBuffer }
  | { type: 'end'; task: number; after?: boolean }
  | { type: 'settled'; task: number }
  | { type: 'failed'; task: number; error: WireError }
