import type { Registry } from './registry/registry.js'
import type { FunctionLoader } from './sandbox/types.js'
import { scheduledRunner } from './triggers/invoke.js'
import { Triggers, type RunScheduled } from './triggers/scheduler.js'
import { addGuestCounts, GUEST_COUNTERS, threadGuestCounts } from './observe/guest-counts.js'
import { createLogger, type Logger } from './observe/log.js'
import { LogStore, teeLogger } from './observe/log-store.js'
import { HostMetrics } from './observe/metrics.js'
import type { PoolStats } from './observe/pool-stats.js'

export interface ObserveSetupOptions {
  logger?: Logger
  /** `FNHOST_ADMIN_KEY`: guards the log, trigger and run endpoints (off without it). */
  adminKey?: string
  /**
   * `fnhost serve --dev`: the management API, logs, triggers and dashboard open without the key
   * to same-origin requests over loopback (serve binds loopback only in that mode).
   */
  dev?: boolean
  /** Guard /_fnhost/metrics with the admin key too. */
  metricsNeedKey?: boolean
  /** Count requests and serve /_fnhost/metrics (default true; `--no-metrics` turns it off). */
  metrics?: boolean
  /** Fire cron schedules (default true; `--no-cron` turns it off, manual triggers still work). */
  cron?: boolean
  /** How a scheduled invocation runs; default: through the registry and the pool (triggers/invoke). */
  runScheduled?: (registry: Registry, logger: Logger) => RunScheduled
}

/** What createApp needs from observation: metrics, the log store, triggers and their guard. */
export interface AppObserve {
  metrics: HostMetrics
  logs: LogStore
  adminKey?: string
  dev?: boolean
  metricsNeedKey?: boolean
  triggers?: Triggers
}

/**
 * The host's logs, metrics and triggers, built once per host. `logger` records into the per-
 * function rings as it logs; `loader` counts loads; `start` connects the registry and the pool.
 */
export class Observation implements Disposable {
  readonly logs = new LogStore()
  readonly metrics: HostMetrics
  readonly logger: Logger
  triggers?: Triggers

  constructor(private readonly options: ObserveSetupOptions = {}) {
    this.metrics = new HostMetrics(options.metrics ?? true)
    this.logger = teeLogger(options.logger ?? createLogger(), this.logs)
  }

  loader(inner: FunctionLoader): FunctionLoader {
    return async (spec) => {
      const loaded = await inner(spec)
      this.metrics.functionLoaded(spec.name)
      return loaded
    }
  }

  start(registry: Registry, pool: { stats(): PoolStats }): AppObserve {
    // This thread's counts are the process's: those of before this host (another host's
    // sandboxes run here, in tests or an embedding process) are not this host's.
    const before = threadGuestCounts()
    this.metrics.connect({
      pool: pool && (() => pool.stats()),
      guest: () => {
        const counts = threadGuestCounts()
        for (const k of GUEST_COUNTERS) counts[k] -= before[k]
        if (pool) addGuestCounts(counts, pool.stats().guest)
        return counts
      },
    })
    const retain = () => this.logs.retain(new Set(registry.list().map((s) => s.name)))
    registry.onChange(retain)
    retain()
    const run = (this.options.runScheduled ?? scheduledRunner)(registry, this.logger)
    this.triggers = new Triggers({
      registry,
      run,
      logger: this.logger,
      metrics: this.metrics,
      cron: this.options.cron ?? true,
    })
    return {
      metrics: this.metrics,
      logs: this.logs,
      adminKey: this.options.adminKey,
      dev: this.options.dev,
      metricsNeedKey: this.options.metricsNeedKey,
      triggers: this.triggers,
    }
  }

  [Symbol.dispose](): void {
    this.logs.endFollowers()
    this.triggers?.[Symbol.dispose]()
  }
}
