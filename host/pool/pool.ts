import { FnhostError } from '../errors.js'
import type { GuestResponse, Invocation } from '../invocation.js'
import { addGuestCounts, emptyGuestCounts } from '../observe/guest-counts.js'
import type {
  FunctionInspector,
  FunctionLoader,
  InspectHints,
  InvokeOptions,
  LoadedFunction,
} from '../sandbox/types.js'
import type { PoolStats, WorkerPool } from './api.js'
import type { FunctionSpec, SandboxKind } from '../types.js'
import { Admission } from './admission.js'
import { PooledFunction, type FunctionState } from './function.js'
import { resolvePoolOptions, type PoolOptions, type ResolvedPoolOptions } from './options.js'
import type { FromWorker } from './protocol.js'
import { LoadPost } from './load-post.js'
import { loadCharge, MB, SandboxTable, type SandboxCopy } from './sandboxes.js'
import { Scanner } from './scanner.js'
import { InspectTask, InvocationTask, LoadTask, type Task } from './tasks.js'
import { loadBudgetMs } from './preempt/copy-gate.js'
import { phaseMark } from '../observe/phase-marks.js'
import { v8Terminator } from './preempt/v8-terminate.js'
import { Watchdog } from './watchdog.js'
import { retryable } from './wire.js'
import { PoolWorker } from './worker-handle.js'
import { workerConfig } from './worker-config.js'
import { fateOnExit } from './worker-loss.js'
import { WORKER_START_WAIT_MS, WorkerSet } from './workers.js'

/**
 * What loading a function into another worker is worth, in invocations queued on the worker that
 * has it: a load costs a sandbox's memory and tens of milliseconds, a queued async request little.
 */
const LOAD_COST = 4

export function createPool(options: PoolOptions = {}): WorkerPool {
  return new Pool(resolvePoolOptions(options))
}

class Pool implements WorkerPool {
  readonly load: FunctionLoader = (spec) => this.loadFunction(spec)
  readonly inspect: FunctionInspector = (file, bytes, hints) =>
    this.scanner.inspect(file, bytes, hints)
  readonly inspectFirst: FunctionInspector = (file, bytes, hints) =>
    this.inspectHere(file, bytes, hints)
  private readonly functions = new Map<number, FunctionState>()
  private readonly tasks = new Map<number, Task>()
  private readonly admission: Admission
  private readonly sandboxes: SandboxTable
  private readonly workers: WorkerSet
  private readonly watchdog: Watchdog
  private readonly scanner: Scanner
  private readonly sweeper: NodeJS.Timeout
  private nextId = 1
  private disposed = false
  private readonly loads = new LoadPost()
  private readonly guest = emptyGuestCounts()

  constructor(private readonly options: ResolvedPoolOptions) {
    const config = workerConfig(options)
    this.scanner = new Scanner(options, config)
    this.admission = new Admission(options, () => this.workers.hasReady())
    this.sandboxes = new SandboxTable(options.maxSandboxMemoryMb, (copy) =>
      copy.worker.post({ type: 'unload', fn: copy.fn }),
    )
    this.watchdog = new Watchdog(
      {
        abandon: (task, e) => {
          if (task.kind === 'invoke') task.worker.post({ type: 'abort', task: task.id })
          this.end(task, e)
        },
        kill: (worker) => void worker.kill(Watchdog.killReason),
      },
      options,
    )
    if (options.inThreadStops) void this.useV8Termination()
    this.workers = new WorkerSet(options, config, {
      message: (w, msg) => this.onMessage(w, msg),
      exit: (w, reason) => this.onExit(w, reason),
      ready: () => this.admission.pump(),
    })
    const period = Math.min(Math.max(options.idleTimeoutMs / 2, 10), 30_000)
    this.sweeper = setInterval(
      () => this.sandboxes.sweep(Date.now() - options.idleTimeoutMs),
      period,
    )
    this.sweeper.unref()
  }

  /** Stops in place once the inspector is there; where it cannot be, says so once, at start. */
  private async useV8Termination(): Promise<void> {
    const terminator = await v8Terminator()
    if (typeof terminator === 'string')
      this.options.logger?.warn(
        `guests that overrun will be stopped by terminating their worker thread: ${terminator}`,
      )
    else this.watchdog.useTerminator(terminator)
  }

  stats(): PoolStats {
    return {
      ...this.workers.stats(),
      inFlight: this.admission.running,
      queued: this.admission.queued,
      functions: this.functions.size,
      sandboxes: this.sandboxes.size,
      sandboxMemoryMb: Math.round(this.sandboxes.usedMb * 10) / 10,
      kills: this.watchdog.kills,
      stops: this.watchdog.stops,
      stopMechanism: this.watchdog.mechanism,
      evictions: this.sandboxes.evictions,
      rejected: this.admission.rejected,
      loads: this.loads.count,
      memoryMbByFunction: this.sandboxes.memoryByName((id) => this.functions.get(id)?.name),
      guest: { ...this.guest },
    }
  }

  private assertOpen(): void {
    if (this.disposed) throw new Error('the worker pool is disposed')
  }

  private async loadFunction(spec: FunctionSpec): Promise<LoadedFunction> {
    this.assertOpen()
    const { memoryMb, concurrency } = spec.config
    if (memoryMb > this.options.maxSandboxMemoryMb)
      throw new FnhostError(
        'FUNCTION_LOAD_FAILED',
        `${spec.name} asks for ${memoryMb} MB (config.memoryMb); this host's sandboxes share ${this.options.maxSandboxMemoryMb} MB`,
      )
    const fn: FunctionState = {
      id: this.nextId++,
      spec,
      name: spec.name,
      concurrency,
      running: 0,
      queued: 0,
      disposed: false,
    }
    this.functions.set(fn.id, fn)
    try {
      const worker = await this.workers.whenReady(
        Date.now() + WORKER_START_WAIT_MS,
        this.admission,
        this.loads.order,
      )
      const copy = this.sandboxes.add(worker, fn.id, loadCharge(fn))
      if (!copy) throw this.memoryFull()
      const loading = this.startLoad(fn, worker, copy)
      // A load is worth its own message: the caller may go on with long work of its own (a
      // starting host creating its app while its functions preload).
      worker.flush()
      phaseMark('load:posted')
      await loading.done
    } catch (e) {
      this.functions.delete(fn.id)
      throw e
    }
    return new PooledFunction(
      fn,
      (inv, opts) => this.invoke(fn, inv, opts),
      () => this.unloadFunction(fn),
    )
  }

  /** A scan-time check on a serving worker (see WorkerPool.inspectFirst). */
  private async inspectHere(
    file: string,
    bytes: Uint8Array,
    hints?: InspectHints,
  ): Promise<{ kind: SandboxKind; config?: unknown }> {
    this.assertOpen()
    const worker = await this.workers.whenReady(Date.now() + WORKER_START_WAIT_MS, {
      overloaded: (message) => new FnhostError('FUNCTION_LOAD_FAILED', message),
    })
    const limit = this.options.inspectTimeoutMs
    const deadline = Date.now() + limit + this.options.graceMs
    const task = new InspectTask(this.nextId++, worker, deadline, limit)
    this.track(task)
    worker.post({ type: 'inspect', task: task.id, file, bytes, hints })
    worker.flush()
    return task.result
  }

  private memoryFull(): FnhostError {
    const used = Math.round(this.sandboxes.usedMb)
    return this.admission.overloaded(
      `no room to load another function: sandboxes use ${used} of ${this.options.maxSandboxMemoryMb} MB and none is idle`,
    )
  }

  private startLoad(fn: FunctionState, worker: PoolWorker, copy: SandboxCopy): LoadTask {
    const limit = loadBudgetMs(fn.spec, this.options.loadTimeoutMs)
    const deadline = Date.now() + limit
    const task = new LoadTask(this.nextId++, worker, copy, deadline + this.options.graceMs, limit)
    this.track(task)
    const load = { task: task.id, fn: fn.id, spec: fn.spec, deadline }
    this.loads.post(worker, load, this.workers.ready())
    return task
  }

  private async invoke(
    fn: FunctionState,
    inv: Invocation,
    opts: InvokeOptions,
  ): Promise<GuestResponse> {
    if (fn.disposed) throw new Error(`function ${fn.name} is disposed`)
    this.assertOpen()
    const cancel = () => task.worker.post({ type: 'abort', task: task.id })
    const limit = fn.spec.config.timeoutMs
    const task = new InvocationTask(this.nextId++, fn.id, inv, retryable(inv), opts, limit, cancel)
    await this.run(task)
    if (opts.signal.aborted) cancel()
    // An abort event fires once; without `once` the listener is cheaper to add and remove.
    else opts.signal.addEventListener('abort', cancel)
    return task.response.finally(() => opts.signal.removeEventListener('abort', cancel))
  }

  /** Waits for a slot and sends the task to a worker. */
  private async run(task: InvocationTask): Promise<void> {
    const fn = this.functions.get(task.fn) as FunctionState
    const { deadline, signal } = task.opts
    for (let retry = task.retried; ; retry = true) {
      await this.admission.acquire(fn, { deadline, signal, retry })
      try {
        if (this.dispatch(fn, task)) return
      } catch (e) {
        this.admission.release(fn)
        throw e
      }
      this.admission.release(fn)
    }
  }

  private dispatch(fn: FunctionState, task: InvocationTask): boolean {
    const placed = this.place(fn)
    if (!placed) return false
    task.worker = placed.worker
    task.copy = placed.copy
    task.started = false
    task.hardDeadline = task.opts.deadline + this.options.graceMs
    this.track(task)
    const { msg, transfer } = task.message()
    placed.worker.post(msg, transfer)
    return true
  }

  /** The least busy worker, preferring one that has the function loaded; loads it there if not. */
  private place(fn: FunctionState): { worker: PoolWorker; copy: SandboxCopy } | undefined {
    const worker = this.workers.leastBusy((w) =>
      this.sandboxes.get(w, fn.id) ? 0 : LOAD_COST + this.loads.order(w),
    )
    if (!worker) return undefined
    const existing = this.sandboxes.get(worker, fn.id)
    if (existing) return this.use(worker, existing)
    const copy = this.sandboxes.add(worker, fn.id, loadCharge(fn))
    if (copy) {
      this.startLoad(fn, worker, copy)
      return this.use(worker, copy)
    }
    const holder = this.workers.leastBusy((w) => (this.sandboxes.get(w, fn.id) ? 0 : Infinity))
    const held = holder && this.sandboxes.get(holder, fn.id)
    if (holder && held) return this.use(holder, held)
    throw this.memoryFull()
  }

  private use(worker: PoolWorker, copy: SandboxCopy): { worker: PoolWorker; copy: SandboxCopy } {
    copy.active++
    return { worker, copy }
  }

  private track(task: Task): void {
    this.tasks.set(task.id, task)
    this.workers.busy(task.worker, task.kind === 'invoke' ? 1 : 0)
    this.watchdog.arm(task)
  }

  /** Finishes a task (with `error`, if given): frees its worker, sandbox and slot. */
  private end(task: Task, error?: FnhostError): void {
    if (!this.detach(task)) return
    if (error) task.fail(error)
    if (task instanceof InvocationTask) this.released(task.fn)
  }

  /** Takes a task off its worker; its admission slot stays taken. */
  private detach(task: Task): boolean {
    if (this.tasks.get(task.id) !== task) return false
    this.tasks.delete(task.id)
    this.watchdog.disarm(task)
    this.workers.busy(task.worker, task.kind === 'invoke' ? -1 : 0)
    if (task.copy) {
      task.copy.active--
      task.copy.lastUsed = Date.now()
      if (task instanceof LoadTask && task.failed) this.sandboxes.drop(task.copy)
    }
    return true
  }

  private released(id: number): void {
    const fn = this.functions.get(id)
    if (!fn) return
    this.admission.release(fn)
    if (fn.running === 0 && fn.queued === 0) fn.onIdle?.()
  }

  private onMessage(worker: PoolWorker, msg: FromWorker): void {
    if (msg.type === 'counts') return addGuestCounts(this.guest, msg.counts)
    if (msg.type === 'memory') {
      const fn = this.functions.get(msg.fn)
      if (fn) fn.measuredMb = msg.bytes / MB
      return this.sandboxes.resize(worker, msg.fn, msg.bytes / MB)
    }
    if (!('task' in msg)) return
    const task = this.tasks.get(msg.task)
    if (task?.worker !== worker) return
    if (msg.type === 'stopped') {
      this.watchdog.stopped(task)
      return this.end(task, this.watchdog.limitError(task))
    }
    if (msg.type === 'loading') this.rearm(task, msg.until)
    if (msg.type === 'started' && msg.deadline !== undefined) this.rearm(task, msg.deadline)
    if (task.handle(msg)) this.end(task)
  }

  /** The worker moved the task's deadline: it waits for a load, or runs its full time after one. */
  private rearm(task: Task, deadline: number): void {
    const hardDeadline = deadline + this.options.graceMs
    if (hardDeadline === task.hardDeadline) return
    task.hardDeadline = hardDeadline
    this.watchdog.arm(task)
  }

  private onExit(worker: PoolWorker, reason: string): void {
    const timedOut = reason === Watchdog.killReason
    const exit = { worker, reason, timedOut, now: Date.now(), graceMs: this.options.graceMs }
    const overloaded = (message: string) => this.admission.overloaded(message)
    const retries: InvocationTask[] = []
    for (const task of [...this.tasks.values()]) {
      if (task.worker !== worker) continue
      const fate = fateOnExit(task, { ...exit, overloaded })
      if (fate.end === 'limit') this.end(task, this.watchdog.limitError(task))
      else if (fate.end === 'error') this.end(task, fate.error)
      else {
        this.detach(task)
        retries.push(task as InvocationTask)
      }
    }
    this.sandboxes.forgetWorker(worker)
    if (this.disposed) return
    this.workers.replace(worker, reason, !timedOut)
    for (const task of retries) this.retry(task)
  }

  /** Runs a task that never started on its lost worker again, once, before its slot is let go. */
  private retry(task: InvocationTask): void {
    task.retried = true
    const again = this.run(task)
    this.released(task.fn)
    again.catch((e: FnhostError) => task.fail(e))
  }

  private async unloadFunction(fn: FunctionState): Promise<void> {
    if (fn.disposed) return
    fn.disposed = true
    if (fn.running > 0 || fn.queued > 0) await new Promise<void>((idle) => (fn.onIdle = idle))
    this.functions.delete(fn.id)
    if (!this.disposed) this.sandboxes.dropFunction(fn.id)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    clearInterval(this.sweeper)
    const shutdown = this.admission.overloaded('the host is shutting down')
    this.admission.refuseWaiting(shutdown)
    for (const task of [...this.tasks.values()]) this.end(task, shutdown)
    this.watchdog.dispose()
    await this.scanner[Symbol.asyncDispose]()
    await this.workers.dispose()
  }
}
