import { INVOCATION_LOG_CAP } from '../observe/invocation-log.js'
import type { ResolvedPoolOptions } from './options.js'
import type { WorkerConfig } from './protocol.js'
import { Watchdog } from './watchdog.js'

/*
 * The workerData of every kind of pool thread, in one place: `fnhost serve` starts its first
 * worker and its scanner before the pool exists (start-worker.ts), and the pool takes them over
 * only if its own config is the same.
 */

/**
 * How long after it is ready the first worker of a set warms up, unless a function has loaded by
 * then (its load compiled what it uses): a starting host sends its first load within this, and a
 * warm-up in front of it would cost the first answer its time (the engine itself starts compiling
 * at once, see SandboxDriver.prepare).
 */
export const FIRST_WARMUP_DELAY_MS = 1_000

/** What every serving worker of a pool with these options gets. */
export function workerConfig(options: ResolvedPoolOptions): WorkerConfig {
  return {
    drivers: options.drivers,
    warmup: options.warmup,
    heartbeatMs: Watchdog.heartbeatMs,
    logCap: INVOCATION_LOG_CAP,
    loadTimeoutMs: options.loadTimeoutMs,
  }
}

/** The first worker of a set reports ready before it warms up (see FIRST_WARMUP_DELAY_MS). */
export function firstWorkerConfig(config: WorkerConfig): WorkerConfig {
  return config.warmup ? { ...config, warmupLaterMs: FIRST_WARMUP_DELAY_MS } : config
}

/** The scanner's worker: it checks files, runs no function, and warms nothing up. */
export function scannerConfig(config: WorkerConfig): WorkerConfig {
  return { ...config, warmup: false }
}
