import { Cron } from 'croner'
import { FnhostError, toFnhostError } from '../errors.js'
import type { ScheduledInvocation } from '../invocation.js'
import type { Logger } from '../observe/log.js'
import type { HostMetrics } from '../observe/metrics.js'
import { newTraceparent } from '../observe/trace.js'
import type { Registry } from '../registry/registry.js'
import { RunHistory, type RunRecord } from './history.js'
import { normalizeSchedule, sameSchedule, type Schedule } from '../schedule.js'

/** What one run came to: the guest's status, or the host error code it failed with. */
export interface RunOutcome {
  status?: number
  error?: string
}

/** Runs a scheduled invocation of the named function under its normal limits (the seam). */
export type RunScheduled = (name: string, inv: ScheduledInvocation) => Promise<RunOutcome>

export interface TriggersOptions {
  registry: Registry
  run: RunScheduled
  logger: Logger
  metrics?: HostMetrics
  /** Fire schedules (false: only manual triggers, e.g. when an external scheduler calls them). */
  cron: boolean
}

interface Job {
  schedule: Schedule
  cron: Cron
}

/**
 * Cron schedules and manual triggers of the registry's functions. A function never runs its
 * scheduled handler twice at once: a tick due while the previous run goes on is skipped and
 * counted. Ticks missed while the host was down are not replayed (croner plans from now). Every
 * swap of the registry re-plans: a changed schedule applies at once, a deleted function stops.
 */
export class Triggers implements Disposable {
  readonly history = new RunHistory()
  private readonly jobs = new Map<string, Job>()
  private readonly running = new Map<string, number>()
  private readonly unsubscribe: () => void
  private disposed = false

  constructor(private readonly options: TriggersOptions) {
    this.unsubscribe = options.registry.onChange(() => this.plan())
    this.plan()
  }

  /** Functions with a schedule and when each fires next. */
  scheduled(): { name: string; cron: string; timezone?: string; nextRun?: string }[] {
    return [...this.jobs].map(([name, job]) => ({
      name,
      cron: job.schedule.cron,
      timezone: job.schedule.timezone,
      nextRun: job.cron.nextRun()?.toISOString(),
    }))
  }

  /** Runs the function's scheduled handler now; `payload` defaults to its schedule's. */
  async trigger(name: string, payload?: unknown): Promise<RunRecord> {
    const spec = this.specOf(name)
    const schedule = spec.config.schedule ? normalizeSchedule(spec.config.schedule) : undefined
    return this.execute(name, 'manual', {
      type: 'scheduled',
      cron: 'manual',
      scheduledTime: Date.now(),
      payload: payload === undefined ? (schedule?.payload ?? null) : payload,
      route: spec.routes[0] ?? '/',
      requestId: crypto.randomUUID(),
      traceparent: newTraceparent(),
    })
  }

  runs(name: string): RunRecord[] {
    this.specOf(name)
    return this.history.list(name)
  }

  private specOf(name: string) {
    const slot = this.options.registry.list().find((s) => s.name === name)
    if (!slot)
      throw new FnhostError('FUNCTION_NOT_FOUND', `no function named ${JSON.stringify(name)}`)
    if (!slot.spec)
      throw new FnhostError(
        'FUNCTION_LOAD_FAILED',
        `function ${name} failed to load: ${slot.failure}`,
      )
    return slot.spec
  }

  private plan(): void {
    if (this.disposed) return
    const slots = this.options.registry.list()
    this.history.retain(new Set(slots.map((s) => s.name)))
    const wanted = new Map<string, Schedule>()
    if (this.options.cron)
      for (const slot of slots)
        if (slot.spec?.config.schedule)
          wanted.set(slot.name, normalizeSchedule(slot.spec.config.schedule))
    for (const [name, job] of this.jobs) {
      const schedule = wanted.get(name)
      if (schedule && sameSchedule(schedule, job.schedule)) continue
      job.cron.stop()
      this.jobs.delete(name)
    }
    for (const [name, schedule] of wanted) {
      if (this.jobs.has(name)) continue
      // croner passes the time it fired, a few ms after the tick: the event carries the tick itself.
      let due: Date | null = null
      const cron = new Cron(
        schedule.cron,
        { timezone: schedule.timezone, unref: true },
        (self: Cron) => {
          const scheduledTime = due?.getTime() ?? Date.now()
          due = self.nextRun()
          this.tick(name, schedule, scheduledTime)
        },
      )
      due = cron.nextRun()
      this.jobs.set(name, { schedule, cron })
    }
  }

  private tick(name: string, schedule: Schedule, scheduledTime: number): void {
    if ((this.running.get(name) ?? 0) > 0) {
      this.options.metrics?.cronSkip(name)
      this.options.logger.warn(`cron tick skipped: the previous run is still going`, { fn: name })
      return
    }
    const spec = this.options.registry.list().find((s) => s.name === name)?.spec
    if (!spec) return
    void this.execute(name, 'cron', {
      type: 'scheduled',
      cron: schedule.cron,
      scheduledTime,
      payload: schedule.payload,
      route: spec.routes[0] ?? '/',
      requestId: crypto.randomUUID(),
      traceparent: newTraceparent(),
    })
  }

  private async execute(
    name: string,
    trigger: RunRecord['trigger'],
    inv: ScheduledInvocation,
  ): Promise<RunRecord> {
    this.running.set(name, (this.running.get(name) ?? 0) + 1)
    const startedAt = Date.now()
    const start = performance.now()
    let outcome: RunOutcome
    try {
      outcome = await this.options.run(name, inv)
    } catch (e) {
      outcome = { error: toFnhostError(e).code }
    } finally {
      this.running.set(name, (this.running.get(name) ?? 1) - 1)
    }
    const record: RunRecord = {
      trigger,
      cron: inv.cron,
      scheduledTime: new Date(inv.scheduledTime).toISOString(),
      startedAt: new Date(startedAt).toISOString(),
      durationMs: Math.round((performance.now() - start) * 10) / 10,
      requestId: inv.requestId,
      ...outcome,
    }
    this.history.add(name, record)
    const label = outcome.error ?? ((outcome.status ?? 200) >= 500 ? 'failed' : 'ok')
    this.options.metrics?.cronRun(name, label)
    const result = outcome.error ?? `status ${outcome.status}`
    const log = outcome.error ? this.options.logger.warn : this.options.logger.info
    log.call(this.options.logger, `${trigger} run: ${result} in ${record.durationMs}ms`, {
      fn: name,
      requestId: inv.requestId,
      traceparent: inv.traceparent,
    })
    return record
  }

  [Symbol.dispose](): void {
    this.disposed = true
    this.unsubscribe()
    for (const job of this.jobs.values()) job.cron.stop()
    this.jobs.clear()
  }
}
