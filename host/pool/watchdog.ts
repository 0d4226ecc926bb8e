import { cpuLimitError, FnhostError } from '../errors.js'
import type { Task } from './tasks.js'
import type { PoolWorker } from './worker-handle.js'

export interface WatchdogActions {
  /** Ends the task with this error and asks its worker to stop it; the worker keeps serving. */
  abandon(task: Task, e: FnhostError): void
  /** Terminates a worker that is stuck (its tasks are then settled by the pool). */
  kill(worker: PoolWorker): void
}

/**
 * The hard limit. Past a task's hard deadline: a task still queued inside its worker is answered
 * at once; a running task on a worker whose event loop is turning (it sends beats) is abandoned,
 * since only that task is late; a worker that has gone silent is stuck in guest code and is killed.
 */
export class Watchdog {
  /** How often a worker with work in hand reports that its event loop turns. */
  static readonly heartbeatMs = 25
  /** Silence for this long, with a deadline passed, means the worker is stuck. */
  static readonly staleMs = 100
  static readonly killReason =
    'terminated by the watchdog: an invocation ran past its hard deadline'
  kills = 0
  private readonly timers = new Map<Task, NodeJS.Timeout>()
  private readonly probes = new Set<NodeJS.Timeout>()

  constructor(
    private readonly actions: WatchdogActions,
    private readonly retryAfterS: number,
  ) {}

  arm(task: Task): void {
    this.disarm(task)
    const delay = Math.max(0, task.hardDeadline - Date.now())
    // The check runs after pending messages are read (setImmediate follows the poll phase), so
    // beats that queued while this thread was busy are counted before a worker is judged silent.
    const timer = setTimeout(() => setImmediate(() => this.expire(task)), delay)
    this.timers.set(task, timer)
  }

  disarm(task: Task): void {
    clearTimeout(this.timers.get(task))
    this.timers.delete(task)
  }

  /** The error of a task that ran past its limit. */
  limitError(task: Task): FnhostError {
    if (task.kind === 'load')
      return new FnhostError(
        'FUNCTION_LOAD_FAILED',
        `the function did not finish loading within ${task.limitMs} ms (top-level code running too long?)`,
      )
    if (task.kind === 'inspect')
      return new FnhostError(
        'FUNCTION_LOAD_FAILED',
        `checking the file did not finish within ${task.limitMs} ms (a config or source that takes too long to evaluate?)`,
      )
    return cpuLimitError(task.limitMs)
  }

  private expire(task: Task): void {
    if (!this.timers.has(task)) return
    this.timers.delete(task)
    const worker = task.worker
    if (worker.state === 'dead') return
    if (!task.started) {
      const e = new FnhostError(
        'OVERLOADED',
        'the request waited its whole time limit behind other work and did not start; retry shortly',
        { retryAfterS: this.retryAfterS },
      )
      return this.actions.abandon(task, e)
    }
    if (Date.now() - worker.lastSeen > Watchdog.staleMs) return this.kill(worker)
    this.actions.abandon(task, this.limitError(task))
    // The worker was alive a moment ago; if it falls silent now, the late task is what holds it.
    const since = Date.now()
    const probe = setTimeout(
      () =>
        setImmediate(() => {
          this.probes.delete(probe)
          if (worker.state !== 'dead' && worker.lastSeen < since) this.kill(worker)
        }),
      Watchdog.staleMs,
    )
    this.probes.add(probe)
  }

  private kill(worker: PoolWorker): void {
    this.kills++
    this.actions.kill(worker)
  }

  dispose(): void {
    for (const timer of [...this.timers.values(), ...this.probes]) clearTimeout(timer)
    this.timers.clear()
    this.probes.clear()
  }
}
