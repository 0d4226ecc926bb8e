import { getEventListeners } from 'node:events'
import type { MessagePort } from 'node:worker_threads'
import { Outbox } from './outbox.js'
import type { FromWorker } from './protocol.js'

/** Controllers kept for reuse, at most. */
const IDLE_CONTROLLERS = 64

/**
 * A pool worker's side of its messages to the main thread, and the tasks it has running: what it
 * sends during one event-loop turn crosses as one message (Outbox); while it has tasks it beats
 * every `heartbeatMs`, so the main thread can tell a busy worker from a hung one.
 */
export class WorkerChannel<Running extends { ctrl?: AbortController }> {
  readonly tasks = new Map<number, Running>()
  /** Whether the outbox holds the end of some task's work (not merely that it started). */
  answersWaiting = false
  private heartbeat?: NodeJS.Timeout
  private readonly outbox: Outbox<FromWorker>
  /**
   * Controllers whose signal was never aborted and has no listener left, for the next invocations:
   * making an AbortSignal costs microseconds, a large part of a trivial call.
   */
  private readonly idleControllers: AbortController[] = []

  constructor(
    port: MessagePort,
    private readonly heartbeatMs: number,
  ) {
    this.outbox = new Outbox<FromWorker>((msgs, transfer) => {
      this.answersWaiting = false
      try {
        port.postMessage(msgs, transfer)
      } catch {
        // A buffer that cannot be moved (e.g. a view of wasm memory) is copied instead.
        port.postMessage(msgs)
      }
    })
  }

  post(msg: FromWorker, transfer?: ArrayBuffer[]): void {
    const { type } = msg
    if (type !== 'started' && type !== 'logs' && type !== 'beat' && type !== 'memory')
      this.answersWaiting = true
    this.outbox.push(msg, transfer)
  }

  /** Sends what waits now, not at the end of the turn. */
  flush(): void {
    this.outbox.flush()
  }

  track(task: number, running: Running): void {
    this.tasks.set(task, running)
    this.heartbeat ??= setInterval(() => this.beat(), this.heartbeatMs)
  }

  untrack(task: number): void {
    const ctrl = this.tasks.get(task)?.ctrl
    this.tasks.delete(task)
    if (ctrl) this.recycle(ctrl)
  }

  /** A controller for an invocation: a recycled one when there is one. */
  controller(): AbortController {
    return this.idleControllers.pop() ?? new AbortController()
  }

  private recycle(ctrl: AbortController): void {
    if (ctrl.signal.aborted || this.idleControllers.length >= IDLE_CONTROLLERS) return
    if (getEventListeners(ctrl.signal, 'abort').length === 0) this.idleControllers.push(ctrl)
  }

  /**
   * Beats while the worker has tasks. The timer stops itself at the first beat with none, rather
   * than at every last task: under load the worker runs out of tasks between most batches.
   */
  private beat(): void {
    if (this.tasks.size > 0) return this.post({ type: 'beat' })
    clearInterval(this.heartbeat)
    this.heartbeat = undefined
  }
}
