import type { FnhostError } from '../errors.js'
import type { ResolvedPoolOptions } from './options.js'
import type { FromWorker, WorkerConfig } from './protocol.js'
import { firstWorkerConfig } from './worker-config.js'
import { PoolWorker } from './worker-handle.js'

export interface WorkerSetEvents {
  message(worker: PoolWorker, msg: FromWorker): void
  exit(worker: PoolWorker, reason: string): void
  /** A worker became ready to serve. */
  ready(): void
}

/** Longest pause between attempts to start a worker that keeps failing to start. */
const MAX_BACKOFF_MS = 5_000
/** How long a load waits for a worker to come up (they start in well under a second). */
export const WORKER_START_WAIT_MS = 10_000
/** The longest the others wait for the first worker's first answer once it is ready. */
export const REST_START_DELAY_MS = 500

/**
 * The serving workers plus one warm spare. A lost worker is replaced by the spare at once (a new
 * worker takes ~100 ms to start) and a new spare is started behind it.
 *
 * A new set starts one worker, which reports ready before it warms up; the others (and the spare)
 * start once it has answered (or failed) its first task, or REST_START_DELAY_MS after it is
 * ready. Started together, on a machine of few cores, they would take the CPU the first one (and
 * the scanner) needs while a starting host works towards its first answer.
 */
export class WorkerSet {
  respawns = 0
  crashes = 0
  private serving: PoolWorker[] = []
  private spare?: PoolWorker
  private readonly load = new Map<PoolWorker, number>()
  private readonly waiters = new Set<() => void>()
  private nextId = 1
  private failedStarts = 0
  private everReady = false
  private rest?: NodeJS.Timeout
  private backoff?: NodeJS.Timeout
  private disposed = false

  constructor(
    private readonly options: ResolvedPoolOptions,
    private readonly config: WorkerConfig,
    private readonly events: WorkerSetEvents,
  ) {
    this.fill()
  }

  hasReady(): boolean {
    return this.serving.some((w) => w.state === 'ready')
  }

  /** The ready serving workers. */
  ready(): PoolWorker[] {
    return this.serving.filter((w) => w.state === 'ready')
  }

  /** The ready worker with the least work (invocations in flight plus `penalty`). */
  leastBusy(penalty: (w: PoolWorker) => number): PoolWorker | undefined {
    let best: PoolWorker | undefined
    let bestCost = Infinity
    for (const w of this.serving) {
      if (w.state !== 'ready') continue
      const cost = (this.load.get(w) ?? 0) + penalty(w)
      if (cost < bestCost) [best, bestCost] = [w, cost]
    }
    return best
  }

  busy(worker: PoolWorker, delta: number): void {
    if (this.load.has(worker)) this.load.set(worker, (this.load.get(worker) ?? 0) + delta)
  }

  /** The least busy ready worker, once there is one; refused with `late()` at the deadline. */
  async whenReady(
    deadline: number,
    late: { overloaded(message: string): FnhostError },
    penalty: (w: PoolWorker) => number = () => 0,
  ): Promise<PoolWorker> {
    for (;;) {
      const ready = this.leastBusy(penalty)
      if (ready) return ready
      if (this.disposed) throw new Error('the worker pool is disposed')
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => {
            this.waiters.delete(wake)
            reject(late.overloaded('no worker became ready in time; retry shortly'))
          },
          Math.max(0, deadline - Date.now()),
        )
        const wake = () => {
          clearTimeout(timer)
          resolve()
        }
        this.waiters.add(wake)
      })
    }
  }

  /** Takes a dead worker out of service and fills its place. */
  replace(worker: PoolWorker, reason: string, crashed: boolean): void {
    if (crashed) {
      this.crashes++
      this.options.logger?.error(`worker ${worker.id} ${reason}`)
    }
    this.load.delete(worker)
    this.serving = this.serving.filter((w) => w !== worker)
    if (this.spare === worker) this.spare = undefined
    if (this.disposed) return
    this.respawns++
    this.fill()
  }

  stats(): {
    workers: number
    starting: number
    spareReady: boolean
    respawns: number
    crashes: number
  } {
    return {
      workers: this.serving.filter((w) => w.state === 'ready').length,
      starting: this.serving.filter((w) => w.state === 'starting').length,
      spareReady: this.spare?.state === 'ready',
      respawns: this.respawns,
      crashes: this.crashes,
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true
    clearTimeout(this.backoff)
    clearTimeout(this.rest)
    for (const wake of this.waiters) wake()
    const all = [...this.serving, ...(this.spare ? [this.spare] : [])]
    this.serving = []
    this.spare = undefined
    await Promise.all(all.map((w) => w.kill('the pool is disposed')))
  }

  private fill(): void {
    if (this.backoff || this.disposed) return
    let promotedReady = false
    const wanted = this.everReady ? this.options.workers : 1
    while (this.serving.length < wanted) {
      const worker = this.spare ?? this.start()
      this.spare = undefined
      promotedReady ||= worker.state === 'ready'
      this.serving.push(worker)
      this.load.set(worker, 0)
    }
    if (this.everReady && this.options.warmSpare && !this.spare) this.spare = this.start()
    if (promotedReady) this.woke()
  }

  private start(): PoolWorker {
    let ready = false
    const config = this.everReady ? this.config : firstWorkerConfig(this.config)
    return new PoolWorker(this.nextId++, config, this.options.workerHeapMb, {
      message: (w, msg) => {
        if (msg.type === 'problem') this.options.logger?.warn(`worker ${w.id}: ${msg.message}`)
        if (msg.type === 'ready') {
          ready = true
          if (msg.warmupError)
            this.options.logger?.warn(`worker ${w.id} failed to warm up: ${msg.warmupError}`)
          this.failedStarts = 0
          if (this.serving.includes(w)) this.woke()
          if (!this.everReady) {
            this.everReady = true
            this.rest = setTimeout(() => {
              this.rest = undefined
              this.fill()
            }, REST_START_DELAY_MS)
            this.rest.unref()
          }
        }
        if (this.rest && (msg.type === 'response' || msg.type === 'failed')) {
          // After this answer has been handed on (a timer runs after the promises it settles).
          clearTimeout(this.rest)
          this.rest = undefined
          setTimeout(() => this.fill(), 0)
        }
        this.events.message(w, msg)
      },
      exit: (w, reason) => {
        if (!ready && !this.disposed) this.failedToStart(w, reason)
        else this.events.exit(w, reason)
      },
    })
  }

  private woke(): void {
    for (const wake of this.waiters) wake()
    this.waiters.clear()
    this.events.ready()
  }

  /** A worker that dies before it is ready is retried with a growing pause, not in a hot loop. */
  private failedToStart(worker: PoolWorker, reason: string): void {
    this.options.logger?.error(`worker ${worker.id} failed to start: ${reason}`)
    this.load.delete(worker)
    this.serving = this.serving.filter((w) => w !== worker)
    if (this.spare === worker) this.spare = undefined
    const delay = Math.min(MAX_BACKOFF_MS, 50 * 2 ** this.failedStarts++)
    this.backoff ??= setTimeout(() => {
      this.backoff = undefined
      this.fill()
    }, delay)
    this.backoff.unref()
  }
}
