import { FnhostError } from '../errors.js'

/** How long a request may wait past its deadline for a worker to be ready (after a kill). */
const WORKER_WAIT_MS = 2_000
const WORKER_POLL_MS = 10

export interface AdmissionLimits {
  maxConcurrent: number
  maxQueued: number
  maxQueuedPerFunction: number
  retryAfterS: number
}

/** What admission needs to know of one function; the pool keeps one per loaded function. */
export interface Admittee {
  readonly name: string
  readonly concurrency: number
  running: number
  queued: number
}

interface Waiter {
  who: Admittee
  grant(): void
  refuse(e: FnhostError): void
}

export interface AcquireOptions {
  /** Epoch ms: a waiter still queued then is refused. */
  deadline: number
  signal?: AbortSignal
  /** A retry of a request that lost its worker: goes first and past the queue bounds. */
  retry?: boolean
}

/**
 * Bounds running and waiting invocations per function and in total. Past a bound the answer is
 * OVERLOADED at once: the queue never grows without limit.
 */
export class Admission {
  running = 0
  rejected = 0
  private readonly queue: Waiter[] = []

  constructor(
    private readonly limits: AdmissionLimits,
    /** Whether anything can run now at all (a worker is ready). */
    private readonly canStart: () => boolean,
  ) {}

  get queued(): number {
    return this.queue.length
  }

  /** Resolves once `who` holds a slot (then `release` it exactly once), or rejects with OVERLOADED. */
  acquire(who: Admittee, options: AcquireOptions): Promise<void> {
    if (this.queue.length === 0 && this.fits(who) && this.canStart()) {
      this.take(who)
      return Promise.resolve()
    }
    if (options.signal?.aborted)
      return Promise.reject(this.overloaded('the request was aborted while it waited'))
    if (!options.retry) {
      const refusal = this.overflow(who)
      if (refusal) {
        this.rejected++
        return Promise.reject(refusal)
      }
    }
    return new Promise<void>((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
      }
      const waiter: Waiter = {
        who,
        grant: () => {
          leave()
          resolve()
        },
        refuse: (e) => {
          leave()
          this.remove(waiter)
          reject(e)
        },
      }
      const onAbort = () =>
        waiter.refuse(this.overloaded('the request was aborted while it waited'))
      const since = Date.now()
      const expire = () => {
        // No worker to run on (one was just replaced): that wait is the host's, not the
        // request's time; it waits on for a worker, within bounds.
        if (!this.canStart() && Date.now() - since < WORKER_WAIT_MS)
          return void (timer = setTimeout(expire, WORKER_POLL_MS))
        waiter.refuse(
          this.overloaded(
            `${who.name} waited its whole time limit for a free slot; the host is busy`,
          ),
        )
      }
      let timer = setTimeout(expire, Math.max(0, options.deadline - Date.now()))
      options.signal?.addEventListener('abort', onAbort, { once: true })
      who.queued++
      if (options.retry) this.queue.unshift(waiter)
      else this.queue.push(waiter)
      this.pump()
    })
  }

  release(who: Admittee): void {
    who.running--
    this.running--
    this.pump()
  }

  /** Starts waiters in order, skipping those whose function is at its own bound. */
  pump(): void {
    for (let i = 0; i < this.queue.length && this.running < this.limits.maxConcurrent;) {
      if (!this.canStart()) return
      const waiter = this.queue[i] as Waiter
      if (!this.fits(waiter.who)) {
        i++
        continue
      }
      this.queue.splice(i, 1)
      waiter.who.queued--
      this.take(waiter.who)
      waiter.grant()
    }
  }

  /** Refuses every waiter (of one function, or all). */
  refuseWaiting(e: FnhostError, who?: Admittee): void {
    for (const waiter of [...this.queue]) if (!who || waiter.who === who) waiter.refuse(e)
  }

  overloaded(message: string): FnhostError {
    return new FnhostError('OVERLOADED', message, { retryAfterS: this.limits.retryAfterS })
  }

  private fits(who: Admittee): boolean {
    return who.running < who.concurrency && this.running < this.limits.maxConcurrent
  }

  private take(who: Admittee): void {
    who.running++
    this.running++
  }

  private remove(waiter: Waiter): void {
    const i = this.queue.indexOf(waiter)
    if (i < 0) return
    this.queue.splice(i, 1)
    waiter.who.queued--
  }

  private overflow(who: Admittee): FnhostError | undefined {
    const { maxQueued, maxQueuedPerFunction } = this.limits
    if (who.queued >= Math.min(maxQueuedPerFunction, maxQueued))
      return this.overloaded(
        `${who.name} is at its limit of ${who.concurrency} running and ${who.queued} waiting requests (config.concurrency); retry shortly`,
      )
    if (this.queue.length >= maxQueued)
      return this.overloaded(
        `the host is at capacity (${this.running} running, ${this.queue.length} waiting); retry shortly`,
      )
    return undefined
  }
}
