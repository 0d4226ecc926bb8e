import type { FnhostError } from '../errors.js'
import type { GuestResponse, Invocation } from '../invocation.js'
import type { InvokeOptions } from '../sandbox/types.js'
import type { SandboxKind } from '../types.js'
import type { FromWorker, ToWorker } from './protocol.js'
import type { SandboxCopy } from './sandboxes.js'
import { errorFromWire } from './wire.js'
import type { PoolWorker } from './worker-handle.js'

/** Work sent to one worker, as the main thread tracks it until the worker answers or dies. */
export interface Task {
  readonly id: number
  readonly kind: 'load' | 'invoke' | 'inspect'
  worker: PoolWorker
  /** The sandbox copy the task uses (none for a scan-time check). */
  copy?: SandboxCopy
  /** The worker reported it running (not merely queued behind other work). */
  started: boolean
  /** Epoch ms past which the watchdog acts. */
  hardDeadline: number
  /** The time limit the task runs under, in ms, for the message when it overruns. */
  readonly limitMs: number
  /** Takes one message for this task; true when the task is finished. */
  handle(msg: FromWorker): boolean
  /** Ends the task from the host side: watchdog, dead worker, shutdown. */
  fail(e: FnhostError): void
}

/** Loading a function into one worker. */
export class LoadTask implements Task {
  readonly kind = 'load'
  started = false
  readonly done: Promise<void>
  private outcome?: 'loaded' | 'failed'
  private resolve!: () => void
  private reject!: (e: FnhostError) => void

  constructor(
    readonly id: number,
    public worker: PoolWorker,
    public copy: SandboxCopy,
    public hardDeadline: number,
    readonly limitMs: number,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    // Lazy loads are not awaited: their failure reaches the invocation through the worker.
    this.done.catch(() => undefined)
  }

  get failed(): boolean {
    return this.outcome === 'failed'
  }

  handle(msg: FromWorker): boolean {
    if (msg.type === 'started') this.started = true
    else if (msg.type === 'loaded') this.settle('loaded')
    else if (msg.type === 'failed') this.fail(errorFromWire(msg.error))
    return this.outcome !== undefined
  }

  fail(e: FnhostError): void {
    if (this.settle('failed')) this.reject(e)
  }

  private settle(outcome: 'loaded' | 'failed'): boolean {
    if (this.outcome) return false
    this.outcome = outcome
    if (outcome === 'loaded') this.resolve()
    return true
  }
}

/** One request to a function: its response promise, and the response body while it streams in. */
export class InvocationTask implements Task {
  readonly kind = 'invoke'
  started = false
  retried = false
  worker!: PoolWorker
  copy!: SandboxCopy
  hardDeadline = 0
  readonly response: Promise<GuestResponse>
  private resolve!: (res: GuestResponse) => void
  private reject!: (e: FnhostError) => void
  /** 'after': the response is out, and the guest still works (waitUntil) until `settled`. */
  private state: 'waiting' | 'streaming' | 'after' | 'done' = 'waiting'
  private stream?: ReadableStreamDefaultController<Uint8Array>

  constructor(
    readonly id: number,
    readonly fn: number,
    readonly inv: Invocation,
    /** The body is copied, not moved, to the worker: the request can run again elsewhere. */
    readonly retryable: boolean,
    readonly opts: InvokeOptions,
    readonly limitMs: number,
    /** Asks the worker to stop this invocation (client gone). */
    private readonly cancel: () => void,
  ) {
    this.response = new Promise<GuestResponse>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  message(): { msg: ToWorker; transfer: ArrayBuffer[] } {
    const { inv } = this
    const msg: ToWorker = {
      type: 'invoke',
      task: this.id,
      fn: this.fn,
      inv,
      deadline: this.opts.deadline,
      limitMs: this.limitMs,
    }
    const body = inv.type === 'http' ? inv.body : null
    const movable = !this.retryable && body && body.buffer instanceof ArrayBuffer
    return { msg, transfer: movable ? [body.buffer as ArrayBuffer] : [] }
  }

  handle(msg: FromWorker): boolean {
    switch (msg.type) {
      case 'started':
        this.started = true
        return false
      case 'logs':
        for (const [level, message] of msg.lines) this.opts.log.write(level, message)
        if (msg.full) this.opts.log.capped?.()
        return false
      case 'response': {
        const { status, headers } = msg
        if (msg.body !== 'stream') {
          this.state = msg.after ? 'after' : 'done'
          const body = msg.body === null ? null : new Uint8Array(msg.body)
          this.resolve({ status, headers, body })
          return !msg.after
        }
        this.state = 'streaming'
        // Node's ReadableStream is async-iterable; the DOM lib's type does not say so.
        const stream = this.openStream() as ReadableStream<Uint8Array> & AsyncIterable<Uint8Array>
        this.resolve({ status, headers, body: stream })
        return false
      }
      case 'chunk':
        this.onStream((s) => s.enqueue(new Uint8Array(msg.data)))
        return false
      case 'end':
        this.state = msg.after ? 'after' : 'done'
        this.onStream((s) => s.close())
        this.stream = undefined
        return !msg.after
      case 'settled':
        this.state = 'done'
        return true
      case 'failed':
        this.fail(errorFromWire(msg.error))
        return true
      default:
        return false
    }
  }

  fail(e: FnhostError): void {
    if (this.state === 'waiting') this.reject(e)
    else if (this.state === 'streaming') this.onStream((s) => s.error(e))
    // The answer is out: only the function's log can tell that its waitUntil work was cut short.
    else if (this.state === 'after')
      this.opts.log.write('error', `waitUntil work did not finish: ${e.message}`)
    this.state = 'done'
    this.stream = undefined
  }

  /** Once the consumer cancelled the body (or it ended), what still arrives is dropped. */
  private onStream(act: (s: ReadableStreamDefaultController<Uint8Array>) => void): void {
    if (this.stream) act(this.stream)
  }

  private openStream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.stream = controller
      },
      cancel: () => {
        this.stream = undefined
        if (this.state === 'streaming') this.cancel()
      },
    })
  }
}

/** A scan-time check of one file in a worker: which driver runs it, and the config it declares. */
export class InspectTask implements Task {
  readonly kind = 'inspect'
  started = false
  readonly result: Promise<{ kind: SandboxKind; config?: unknown }>
  private resolve!: (r: { kind: SandboxKind; config?: unknown }) => void
  private reject!: (e: FnhostError) => void
  private settled = false

  constructor(
    readonly id: number,
    public worker: PoolWorker,
    public hardDeadline: number,
    readonly limitMs: number,
  ) {
    this.result = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  handle(msg: FromWorker): boolean {
    if (msg.type === 'started') this.started = true
    else if (msg.type === 'inspected') {
      this.settled = true
      this.resolve({ kind: msg.kind, config: msg.config })
    } else if (msg.type === 'failed') this.fail(errorFromWire(msg.error))
    return this.settled
  }

  fail(e: FnhostError): void {
    if (this.settled) return
    this.settled = true
    this.reject(e)
  }
}
