import { FnhostError } from '../errors.js'
import type { InspectHints } from '../sandbox/types.js'
import type { SandboxKind } from '../types.js'
import type { ResolvedPoolOptions } from './options.js'
import type { FromWorker, WorkerConfig } from './protocol.js'
import { InspectTask } from './tasks.js'
import { scannerConfig } from './worker-config.js'
import { Watchdog } from './watchdog.js'
import type { PoolWorker } from './worker-handle.js'
import { WORKER_START_WAIT_MS, WorkerSet } from './workers.js'

/**
 * Scan-time checks (syntax, module validation, a JS file's config literal) in a worker of their
 * own, started on first use: no guest byte is evaluated on the main thread, and a file whose check
 * hangs costs the scanner's worker, never a serving one, so traffic goes on meanwhile. A starting
 * host's first scan, before it serves anything, checks on the pool's first worker instead
 * (WorkerPool.inspectFirst), so a start boots one thread, not two.
 */
export class Scanner implements AsyncDisposable {
  private set?: WorkerSet
  private readonly tasks = new Map<number, InspectTask>()
  private readonly watchdog: Watchdog
  private nextId = 1
  private disposed = false

  constructor(
    private readonly options: ResolvedPoolOptions,
    private readonly config: WorkerConfig,
  ) {
    this.watchdog = new Watchdog(
      {
        abandon: (task, e) => this.end(task as InspectTask, e),
        kill: (worker) => void worker.kill(Watchdog.killReason),
      },
      options,
    )
  }

  /** Workers lost to a hanging or crashing check (they are replaced). */
  get kills(): number {
    return this.watchdog.kills
  }

  async inspect(
    file: string,
    bytes: Uint8Array,
    hints?: InspectHints,
  ): Promise<{ kind: SandboxKind; config?: unknown }> {
    if (this.disposed) throw new Error('the worker pool is disposed')
    this.set ??= new WorkerSet(
      { ...this.options, workers: 1, warmSpare: false },
      scannerConfig(this.config),
      {
        message: (w, msg) => this.onMessage(w, msg),
        exit: (w, reason) => this.onExit(w, reason),
        ready: () => undefined,
      },
    )
    const worker = await this.set.whenReady(Date.now() + WORKER_START_WAIT_MS, {
      overloaded: (message) => new FnhostError('FUNCTION_LOAD_FAILED', message),
    })
    const limit = this.options.inspectTimeoutMs
    const deadline = Date.now() + limit + this.options.graceMs
    const task = new InspectTask(this.nextId++, worker, deadline, limit)
    this.tasks.set(task.id, task)
    this.watchdog.arm(task)
    worker.post({ type: 'inspect', task: task.id, file, bytes, hints })
    worker.flush()
    return task.result
  }

  private end(task: InspectTask, error?: FnhostError): void {
    if (this.tasks.get(task.id) !== task) return
    this.tasks.delete(task.id)
    this.watchdog.disarm(task)
    if (error) task.fail(error)
  }

  private onMessage(worker: PoolWorker, msg: FromWorker): void {
    if (!('task' in msg)) return
    const task = this.tasks.get(msg.task)
    if (task?.worker === worker && task.handle(msg)) this.end(task)
  }

  private onExit(worker: PoolWorker, reason: string): void {
    const timedOut = reason === Watchdog.killReason
    for (const task of [...this.tasks.values()]) {
      if (task.worker !== worker) continue
      this.end(
        task,
        timedOut
          ? this.watchdog.limitError(task)
          : new FnhostError(
              'FUNCTION_LOAD_FAILED',
              `checking the file stopped its worker (${reason})`,
            ),
      )
    }
    if (!this.disposed) this.set?.replace(worker, reason, !timedOut)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    const shutdown = new FnhostError('FUNCTION_LOAD_FAILED', 'the host is shutting down')
    for (const task of [...this.tasks.values()]) this.end(task, shutdown)
    this.watchdog.dispose()
    await this.set?.dispose()
  }
}
