import { collectDefaultMetrics, Counter, Gauge, Registry as PromRegistry } from 'prom-client'
import { registerTallyHistogram, RequestTally } from './request-tally.js'
import type { PoolStats } from './pool-stats.js'
import type { GuestCounts } from './guest-counts.js'

/** The label value of a request no function served (unknown path, bad path): never the raw path. */
export const NO_FUNCTION = '(none)'
/** The `error` label of an answer that is not a host error (whatever status the guest chose). */
export const NO_ERROR = 'none'

/** The latency histogram's bucket bounds, in seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** Where the gauges and totals owned by other parts come from, read at each scrape. */
export interface MetricSources {
  pool?: () => PoolStats
  guest?: () => GuestCounts
}

/**
 * The host's Prometheus metrics in a registry of their own (never prom-client's global one), so
 * several hosts in one process, and tests, do not share series. Every label value comes from the
 * function registry or a fixed set, so the number of series is bounded by the functions deployed.
 */
export class HostMetrics {
  readonly registry = new PromRegistry()
  /** Requests being answered now (a plain number; the gauge reads it when scraped). */
  inFlight = 0
  private readonly tally = new RequestTally(LATENCY_BUCKETS)
  private readonly loads: Counter<'function'>
  private readonly cronRuns: Counter<'function' | 'outcome'>
  private readonly cronSkipped: Counter<'function'>
  private sources: MetricSources = {}

  /** `enabled` false: nothing is counted and /_fnhost/metrics does not exist (`--no-metrics`). */
  constructor(readonly enabled = true) {
    const registers = [this.registry]
    // Off, nothing reads them, and their event-loop delay monitor would wake an idle host every
    // 10 ms (prom-client's default precision).
    if (enabled) collectDefaultMetrics({ register: this.registry, prefix: 'fnhost_' })
    const tally = this.tally
    new Counter({
      name: 'fnhost_requests_total',
      help: 'Requests answered, by function, HTTP status and host error code',
      labelNames: ['function', 'status', 'error'],
      registers,
      collect() {
        this.reset()
        for (const [fn, status, error, n] of tally.answers())
          this.inc({ function: fn, status: String(status), error }, n)
      },
    })
    registerTallyHistogram(
      this.registry,
      'fnhost_request_duration_seconds',
      'Time from the request to the response head, by function',
      tally,
    )
    const inFlight = () => this.inFlight
    new Gauge({
      name: 'fnhost_requests_in_flight',
      help: 'Requests being answered now',
      registers,
      collect() {
        this.set(inFlight())
      },
    })
    this.loads = new Counter({
      name: 'fnhost_function_loads_total',
      help: 'Function versions loaded into a sandbox, by function',
      labelNames: ['function'],
      registers,
    })
    this.cronRuns = new Counter({
      name: 'fnhost_cron_runs_total',
      help: 'Scheduled and manual trigger runs, by function and outcome (ok, failed or error code)',
      labelNames: ['function', 'outcome'],
      registers,
    })
    this.cronSkipped = new Counter({
      name: 'fnhost_cron_skipped_total',
      help: 'Cron ticks skipped because the previous run of the function was still going',
      labelNames: ['function'],
      registers,
    })
    this.poolMetrics(registers)
    this.guestMetrics(registers)
  }

  /** Connects the parts whose own counters are read at scrape time. */
  connect(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources }
  }

  request(fn: string, status: number, error: string, seconds: number): void {
    if (this.enabled) this.tally.add(fn, status, error, seconds)
  }

  functionLoaded(fn: string): void {
    this.loads.inc({ function: fn })
  }

  cronRun(fn: string, outcome: string): void {
    this.cronRuns.inc({ function: fn, outcome })
  }

  cronSkip(fn: string): void {
    this.cronSkipped.inc({ function: fn })
  }

  /** The text format, and its content type. */
  async scrape(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType }
  }

  private poolMetrics(registers: PromRegistry[]): void {
    const stats = () => this.sources.pool?.()
    const gauge = (name: string, help: string, read: (s: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const s = stats()
          if (s) this.set(read(s))
        },
      })
    const total = (name: string, help: string, read: (s: PoolStats) => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          const s = stats()
          if (!s) return
          this.reset()
          this.inc(read(s))
        },
      })
    gauge('fnhost_workers', 'Worker threads serving', (s) => s.workers)
    gauge('fnhost_pool_running', 'Invocations running in workers', (s) => s.inFlight)
    gauge('fnhost_queue_depth', 'Invocations waiting for admission', (s) => s.queued)
    gauge('fnhost_sandboxes', 'Sandbox copies loaded in workers', (s) => s.sandboxes)
    total('fnhost_admission_rejections_total', 'Invocations refused OVERLOADED', (s) => s.rejected)
    total('fnhost_sandbox_loads_total', 'Sandbox copies loaded into workers', (s) => s.loads)
    total(
      'fnhost_sandbox_evictions_total',
      'Sandbox copies evicted (idle or for room)',
      (s) => s.evictions,
    )
    total('fnhost_worker_kills_total', 'Workers terminated by the watchdog', (s) => s.kills)
    total(
      'fnhost_guest_stops_total',
      'Overrunning guest code stopped in place (V8 termination), its worker serving on',
      (s) => s.stops,
    )
    total('fnhost_worker_restarts_total', 'Workers started to replace lost ones', (s) => s.respawns)
    total(
      'fnhost_worker_crashes_total',
      'Workers lost other than by the watchdog',
      (s) => s.crashes,
    )
    new Gauge({
      name: 'fnhost_sandbox_memory_bytes',
      help: 'Memory the sandbox copies of each function use (what the pool budget charges)',
      labelNames: ['function'],
      registers,
      collect() {
        const s = stats()
        if (!s) return
        this.reset()
        for (const [fn, mb] of Object.entries(s.memoryMbByFunction))
          this.set({ function: fn }, mb * 1024 * 1024)
      },
    })
  }

  private guestMetrics(registers: PromRegistry[]): void {
    const read = () => this.sources.guest?.()
    new Counter({
      name: 'fnhost_guest_fetches_total',
      help: 'Outbound fetches of guests, by outcome (ok, denied by policy or limit, failed)',
      labelNames: ['outcome'],
      registers,
      collect() {
        const counts = read()
        if (!counts) return
        this.reset()
        this.inc({ outcome: 'ok' }, counts.fetchOk)
        this.inc({ outcome: 'denied' }, counts.fetchDenied)
        this.inc({ outcome: 'failed' }, counts.fetchFailed)
      },
    })
    new Counter({
      name: 'fnhost_sandbox_rebuilds_total',
      help: 'Shared sandboxes dropped after a fault (deadline, memory, stack) and rebuilt',
      registers,
      collect() {
        const counts = read()
        if (!counts) return
        this.reset()
        this.inc(counts.sandboxRebuilds)
      },
    })
  }
}
