import type { Worker } from 'node:worker_threads'
import { Outbox } from './outbox.js'
import { RunSlotView } from './preempt/run-slot.js'
import type { FromWorker, ToWorker, WorkerConfig } from './protocol.js'
import { startWorker } from './start-worker.js'
import { errorToWire } from './wire.js'

export interface WorkerEvents {
  message(worker: PoolWorker, msg: FromWorker): void
  /** The worker is gone: terminated by the pool, crashed, or failed to start. */
  exit(worker: PoolWorker, reason: string): void
}

/** One worker thread as the main thread sees it: lifecycle, liveness and the posting of messages. */
export class PoolWorker {
  state: 'starting' | 'ready' | 'dead' = 'starting'
  /** When the worker last showed its event loop turning (a message of any kind). */
  lastSeen = Date.now()
  /** What guest code the worker runs now, and the claim of it for a stop. */
  readonly slot: RunSlotView
  private readonly worker: Worker
  private exitReason?: string
  /** What this thread sends the worker during one event-loop turn crosses as one message. */
  private readonly outbox = new Outbox<ToWorker>((msgs, transfer) => this.send(msgs, transfer))

  constructor(
    readonly id: number,
    config: WorkerConfig,
    heapMb: number,
    private readonly events: WorkerEvents,
  ) {
    const { worker, runSlot } = startWorker(config, heapMb)
    this.slot = new RunSlotView(runSlot)
    this.worker = worker
    this.worker.on('message', (msgs: FromWorker[]) => {
      this.lastSeen = Date.now()
      for (const msg of msgs) {
        if (msg.type === 'ready') this.state = 'ready'
        if (this.state !== 'dead') this.events.message(this, msg)
      }
    })
    this.worker.on('error', (e) => {
      this.exitReason ??= `crashed: ${e.message}`
    })
    this.worker.on('exit', (code) => this.gone(this.exitReason ?? `exited with code ${code}`))
  }

  get threadId(): number {
    return this.worker.threadId
  }

  post(msg: ToWorker, transfer?: ArrayBuffer[]): void {
    if (this.state === 'dead') return
    this.outbox.push(msg, transfer)
  }

  /**
   * Sends what waits at once instead of when this event-loop turn ends: for work the main thread
   * then waits on while it does something long itself (a scan-time check while the app loads).
   */
  flush(): void {
    this.outbox.flush()
  }

  private send(msgs: ToWorker[], transfer: ArrayBuffer[]): void {
    if (this.state === 'dead') return
    try {
      return this.worker.postMessage(msgs, transfer)
    } catch {
      // Something in the batch cannot cross (a buffer that cannot be moved): each goes alone,
      // copied, and one that still cannot go fails its own task, not the others.
    }
    for (const msg of msgs)
      try {
        this.worker.postMessage([msg])
      } catch (e) {
        if ('task' in msg)
          this.events.message(this, { type: 'failed', task: msg.task, error: errorToWire(e) })
      }
  }

  /** Stops the thread wherever it is (a wasm loop, a long native call); `reason` goes to the exit event. */
  kill(reason: string): Promise<void> {
    if (this.state === 'dead') return Promise.resolve()
    this.exitReason = reason
    const done = this.worker.terminate().then(() => undefined)
    this.gone(reason)
    return done
  }

  private gone(reason: string): void {
    if (this.state === 'dead') return
    this.state = 'dead'
    this.events.exit(this, reason)
  }
}
