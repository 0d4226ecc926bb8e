import type { FnhostError } from '../errors.js'
import type { InvokeOptions } from '../sandbox/types.js'
import type { FromWorker, ToWorker, WireRequest } from './protocol.js'
import type { SandboxCopy } from './sandboxes.js'
import { errorFromWire, responseFromWire } from './wire.js'
import type { PoolWorker } from './worker-handle.js'

/** Work sent to one worker, as the main thread tracks it until the worker answers or dies. */
export interface Task {
  readonly id: number
  readonly kind: 'load' | 'invoke'
  worker: PoolWorker
  copy: SandboxCopy
  /** The worker reported it running (not merely queued behind other work). */
  started: boolean
  /** Epoch ms past which the watchdog acts. */
  hardDeadline: number
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
  readonly response: Promise<Response>
  private resolve!: (res: Response) => void
  private reject!: (e: FnhostError) => void
  /** 'after': answered, and the guest's waitUntil work still runs under the task's deadline. */
  private state: 'waiting' | 'streaming' | 'after' | 'done' = 'waiting'
  private stream?: ReadableStreamDefaultController<Uint8Array>

  constructor(
    readonly id: number,
    readonly fn: number,
    readonly req: WireRequest,
    /** The body is copied, not moved, to the worker: the request can run again elsewhere. */
    readonly retryable: boolean,
    readonly opts: InvokeOptions,
    /** Asks the worker to stop this invocation (client gone). */
    private readonly cancel: () => void,
  ) {
    this.response = new Promise<Response>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  message(): { msg: ToWorker; transfer: ArrayBuffer[] } {
    const { deadline, requestId, params } = this.opts
    const msg: ToWorker = {
      type: 'invoke',
      task: this.id,
      fn: this.fn,
      req: this.req,
      deadline,
      requestId,
      params,
    }
    return { msg, transfer: this.retryable || !this.req.body ? [] : [this.req.body] }
  }

  handle(msg: FromWorker): boolean {
    switch (msg.type) {
      case 'started':
        this.started = true
        return false
      case 'log':
        this.opts.log.write(msg.level, msg.message)
        return false
      case 'response':
        if (msg.body !== 'stream') {
          this.state = msg.after ? 'after' : 'done'
          this.resolve(responseFromWire(msg.head, msg.body))
          return !msg.after
        }
        this.state = 'streaming'
        this.resolve(responseFromWire(msg.head, this.openStream()))
        return false
      case 'chunk':
        this.onStream((s) => s.enqueue(new Uint8Array(msg.data)))
        return false
      case 'end':
        this.state = msg.after ? 'after' : 'done'
        this.onStream((s) => s.close())
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
    this.state = 'done'
  }

  /** A consumer that cancelled the body has closed the stream; what still arrives is dropped. */
  private onStream(act: (s: ReadableStreamDefaultController<Uint8Array>) => void): void {
    try {
      if (this.stream) act(this.stream)
    } catch {
      this.stream = undefined
    }
  }

  private openStream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.stream = controller
      },
      cancel: () => {
        if (this.state === 'streaming') this.cancel()
      },
    })
  }
}
