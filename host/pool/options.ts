import { availableParallelism, totalmem } from 'node:os'
import type { Logger } from '../observe/log.js'
import type { DriverOptions } from '../sandbox/index.js'

export interface PoolOptions {
  /** Worker threads serving invocations (`--workers`); default: the number of cores. */
  workers?: number
  /** Keep one started worker in reserve so a respawn after a kill does not stall traffic. */
  warmSpare?: boolean
  /**
   * Past `deadline + graceMs` a worker still running the invocation (a stop in place that did
   * not land, or no inspector to stop it with) is terminated.
   */
  graceMs?: number
  /** How long past its deadline a guest may still run before the watchdog stops it in place. */
  stopAfterMs?: number
  /**
   * Stop overrunning guest code in place with V8's termination (through node:inspector), keeping
   * the worker; false (or a Node without the inspector): terminate the worker instead.
   */
  inThreadStops?: boolean
  /** Invocations running at once, across every function. */
  maxConcurrent?: number
  /** Invocations waiting for a slot, across every function. */
  maxQueued?: number
  /** Invocations of one function waiting for a slot (its running bound is `config.concurrency`). */
  maxQueuedPerFunction?: number
  /**
   * What every sandbox loaded in every worker may use together, in MB: each copy is charged what
   * it uses (its worker reports it after its load and as it changes), not its `memoryMb` cap.
   */
  maxSandboxMemoryMb?: number
  /** A sandbox copy unused this long is dropped from its worker (and reloaded when needed). */
  idleTimeoutMs?: number
  /**
   * Time a function's load (engine instance, prelude, top-level code) may take: the load budget is
   * the larger of this and the function's `timeoutMs`, apart from any request's deadline.
   */
  loadTimeoutMs?: number
  /** V8 heap of one worker; past it the worker dies (and is replaced) instead of the process. */
  workerHeapMb?: number
  /** Retry-After (seconds) sent with OVERLOADED. */
  retryAfterS?: number
  /** How every worker builds its sandbox drivers (egress policy, extra driver modules). */
  drivers?: DriverOptions
  /**
   * Each new worker loads and calls every driver's warm-up function before it takes traffic, so
   * the first real request on a fresh worker (a respawn) does not pay for compiling an engine.
   */
  warmup?: boolean
  /** Time one scan-time check (syntax, module validation, config) may take in a worker. */
  inspectTimeoutMs?: number
  logger?: Logger
}

export type ResolvedPoolOptions = Required<Omit<PoolOptions, 'logger'>> &
  Pick<PoolOptions, 'logger'>

export function poolDefaults(): ResolvedPoolOptions {
  return {
    workers: availableParallelism(),
    warmSpare: true,
    graceMs: 100,
    stopAfterMs: 1,
    inThreadStops: true,
    maxConcurrent: 256,
    maxQueued: 512,
    maxQueuedPerFunction: 128,
    // Half the memory this process may use: a container's cgroup limit when it has one (a
    // Knative replica), else the machine's memory.
    maxSandboxMemoryMb: Math.floor(
      Math.min(totalmem(), process.constrainedMemory() || Infinity) / 2 / 2 ** 20,
    ),
    idleTimeoutMs: 5 * 60_000,
    loadTimeoutMs: 10_000,
    workerHeapMb: 1024,
    retryAfterS: 1,
    drivers: {},
    warmup: true,
    inspectTimeoutMs: 5_000,
  }
}

export function resolvePoolOptions(options: PoolOptions): ResolvedPoolOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  const resolved = { ...poolDefaults(), ...given } as ResolvedPoolOptions
  if (!(resolved.workers >= 1))
    throw new RangeError(`a pool needs at least one worker, got ${resolved.workers}`)
  return resolved
}
