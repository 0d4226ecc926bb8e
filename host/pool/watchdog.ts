import { cpuLimitError, FnhostError } from '../errors.js'
import type { Terminator } from './preempt/v8-terminate.js'
import type { Task } from './tasks.js'
import type { PoolWorker } from './worker-handle.js'

export interface WatchdogActions {
  /** Ends the task with this error and asks its worker to stop it; the worker keeps serving. */
  abandon(task: Task, e: FnhostError): void
  /** Terminates a worker that is stuck (its tasks are then settled by the pool). */
  kill(worker: PoolWorker): void
}

export interface WatchdogOptions {
  /** Past `deadline + graceMs` (a task's hardDeadline) a worker still in the task is terminated. */
  graceMs: number
  /** How long past its deadline a guest may run before it is stopped in place. */
  stopAfterMs: number
  retryAfterS: number
  /** Stops guest code in place (V8 termination); without it, stuck guests cost their worker. */
  terminator?: Terminator
}

/** Between the stop attempt and the hard deadline, a task not in guest code is looked at this often. */
const POLL_MS = 5
/** A stop claimed late still gets this long to land before its worker is terminated. */
const STOP_LANDS_MS = 100
/** Without in-place stops, a guest still running this long past its deadline costs its worker. */
const FALLBACK_KILL_MS = 30

/**
 * The hard limit. Just past a task's deadline, guest code of that task still holding its worker's
 * thread is stopped in place (V8 termination, aimed through the worker's run slot at exactly that
 * task); the worker recovers and reports it. Past the hard deadline: a worker still in the task (the
 * stop did not land, or there is no terminator) is terminated; a task still queued inside its
 * worker is answered at once; a running task on a worker whose event loop turns is abandoned; a
 * worker gone silent outside guest code is stuck and is terminated.
 */
export class Watchdog {
  /** How often a worker with work in hand reports that its event loop turns. */
  static readonly heartbeatMs = 25
  /** Silence for this long, with a deadline passed, means the worker is stuck. */
  static readonly staleMs = 100
  static readonly killReason =
    'terminated by the watchdog: an invocation ran past its hard deadline'
  kills = 0
  /** Guest code stopped in place (the worker lived). */
  stops = 0
  private readonly timers = new Map<Task, NodeJS.Timeout>()
  private readonly probes = new Set<NodeJS.Timeout>()
  private readonly stopping = new Set<Task>()
  /** When a claimed stop that has not landed costs the worker. */
  private readonly killAt = new Map<Task, number>()

  constructor(
    private readonly actions: WatchdogActions,
    private readonly options: WatchdogOptions,
  ) {
    this.terminator = options.terminator
  }

  private terminator: Terminator | undefined

  /** From now on, overrunning guest code is stopped in place. */
  useTerminator(terminator: Terminator): void {
    this.terminator = terminator
  }

  /** Which mechanism stops a guest that overruns: in place, or by terminating its worker. */
  get mechanism(): 'v8-terminate' | 'worker-kill' {
    return this.terminator ? 'v8-terminate' : 'worker-kill'
  }

  arm(task: Task): void {
    const { graceMs, stopAfterMs } = this.options
    this.schedule(task, Math.min(task.hardDeadline - graceMs + stopAfterMs, task.hardDeadline))
  }

  disarm(task: Task): void {
    clearTimeout(this.timers.get(task))
    this.timers.delete(task)
    this.stopping.delete(task)
    this.killAt.delete(task)
  }

  /** The worker reports the task's guest code stopped in place: it is over, and counted. */
  stopped(task: Task): void {
    if (this.stopping.has(task)) this.stops++
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

  private schedule(task: Task, at: number): void {
    clearTimeout(this.timers.get(task))
    // The check runs after pending messages are read (setImmediate follows the poll phase), so
    // beats and answers that queued while this thread was busy count before a worker is judged.
    // A timer that fired before a re-arm (a message moved the deadline in the poll phase) must
    // not run its check: it would judge the task against the new deadline at the old time.
    const timer = setTimeout(
      () =>
        setImmediate(() => {
          if (this.timers.get(task) === timer) this.check(task)
        }),
      Math.max(0, at - Date.now()),
    )
    this.timers.set(task, timer)
  }

  private check(task: Task): void {
    if (!this.timers.has(task) || task.worker.state === 'dead') return
    const now = Date.now()
    const killAt = this.killAt.get(task)
    // One termination per claim: sent again, it could land in whatever the worker runs after
    // taking the first one in. A claimed stop that has not landed by killAt costs the worker.
    if (killAt !== undefined) return now >= killAt ? this.expire(task) : this.schedule(task, killAt)
    const slot = task.worker.slot
    // In guest code, the deadline the worker published for the entry is the one that counts.
    if (slot.runs(task.id)) {
      const deadline = slot.deadline()
      const { stopAfterMs, graceMs } = this.options
      const terminator = this.terminator
      if (!terminator?.reaches(task.worker.threadId)) {
        if (now >= deadline + FALLBACK_KILL_MS) return this.kill(task.worker)
        return this.schedule(task, Math.min(deadline + FALLBACK_KILL_MS, now + POLL_MS))
      }
      if (slot.claim(task.id, now - stopAfterMs)) {
        this.stopping.add(task)
        terminator.terminate(task.worker.threadId)
        task.worker.post({ type: 'stopped' })
        const at = Math.max(deadline + graceMs, now + STOP_LANDS_MS)
        this.killAt.set(task, at)
        return this.schedule(task, at)
      }
      if (now < deadline + stopAfterMs) return this.schedule(task, deadline + stopAfterMs)
      // The entry ended as it was being claimed: look again shortly.
      return this.schedule(task, now + POLL_MS)
    }
    if (now >= task.hardDeadline) return this.expire(task)
    this.schedule(task, Math.min(now + POLL_MS, task.hardDeadline))
  }

  private expire(task: Task): void {
    this.timers.delete(task)
    const worker = task.worker
    if (this.stopping.has(task)) {
      // The worker took the stop in (its report is in flight, this thread was busy): wait for it.
      if (!worker.slot.stopPending()) return this.schedule(task, Date.now() + POLL_MS)
      return this.kill(worker)
    }
    if (!task.started) {
      const e = new FnhostError(
        'OVERLOADED',
        'the request waited its whole time limit behind other work and did not start; retry shortly',
        { retryAfterS: this.options.retryAfterS },
      )
      return this.actions.abandon(task, e)
    }
    const stuck = () => worker.state !== 'dead' && !worker.slot.busy()
    if (Date.now() - worker.lastSeen > Watchdog.staleMs && stuck()) return this.kill(worker)
    this.actions.abandon(task, this.limitError(task))
    // The worker was alive a moment ago; if it falls silent now outside guest code (whose own
    // tasks' deadlines cover it), the late task is what holds it.
    const since = Date.now()
    const probe = setTimeout(
      () =>
        setImmediate(() => {
          this.probes.delete(probe)
          if (worker.lastSeen < since && stuck()) this.kill(worker)
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
    this.stopping.clear()
    this.killAt.clear()
  }
}
