import type { HostFetch } from '../outbound.js'
import { CappedLog, type InvocationLog, type LogLevel } from '../../observe/invocation-log.js'
import { guestFrames, type GuestException } from './errors.js'

export interface InvocationInit {
  /** Epoch milliseconds. */
  deadline: number
  /** The pool task this is (for the guest gate). */
  runId?: number
  log: InvocationLog
  signal: AbortSignal
  /** This invocation's fetch, already counting its subrequests. */
  fetch: HostFetch
}

/**
 * One request's slice of a sandbox: its deadline, log, first uncaught error and a way to sleep
 * until something it waits for happens. Timers and fetches reference it as their owner.
 */
export class Invocation {
  readonly deadline: number
  readonly runId: number
  readonly log: InvocationLog
  readonly signal: AbortSignal
  readonly fetch: HostFetch
  uncaught: GuestException | undefined
  ended = false
  #wake: (() => void) | undefined

  constructor(init: InvocationInit) {
    this.deadline = init.deadline
    this.runId = init.runId ?? 0
    this.log = init.log
    this.signal = init.signal
    this.fetch = init.fetch
  }

  /** An error nobody awaited (timer callback, queueMicrotask): the first one fails the request. */
  reportUncaught(e: GuestException): void {
    this.uncaught ??= e
    const frames = guestFrames(e.stack)
    this.log.write('error', `Uncaught ${e.name}: ${e.message}${frames ? '\n' + frames : ''}`)
  }

  wake(): void {
    this.#wake?.()
  }

  /** Sleeps until woken, until `until` (epoch ms), or until the request is aborted. */
  wait(until: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.signal.removeEventListener('abort', done)
        this.#wake = undefined
        resolve()
      }
      const timer = setTimeout(done, Math.max(0, until - Date.now()))
      this.#wake = done
      this.signal.addEventListener('abort', done)
    })
  }
}

/** Holds what a module logs while it loads, for the first request's log (capped). */
export class LoadLog implements InvocationLog {
  #lines: [LogLevel, string][] = []
  #capped = new CappedLog((level, message) => void this.#lines.push([level, message]), undefined, {
    bytes: 16 * 1024,
    lines: 200,
  })
  get full(): boolean {
    return this.#capped.full
  }
  write(level: LogLevel, message: string): void {
    this.#capped.write(level, message)
  }
  flushInto(log: InvocationLog): void {
    for (const [level, message] of this.#lines.splice(0)) log.write(level, message)
  }
}

export const noFetch: HostFetch = () =>
  Promise.reject(
    new TypeError('fetch is not available while the module loads; call it from the handler'),
  )
