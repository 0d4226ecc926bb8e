import type { QuickJSHandle } from 'quickjs-emscripten-core'
import { cpuLimitError, FnhostError, memoryLimitError } from '../../errors.js'
import {
  classifyException,
  guestError,
  isOutOfMemory,
  readException,
  type GuestException,
} from './errors.js'
import type { KvGrants } from '../../kv/grants.js'
import { FetchBridge } from './fetch-bridge.js'
import type { Invocation } from './invocation.js'
import { KvBridge } from './kv-bridge.js'
import type { GuestRuntime } from './runtime.js'
import { TimerTable, type Timer } from './timers.js'

function cancelled(reason: unknown): FnhostError {
  if (reason instanceof FnhostError) return reason
  return new FnhostError(
    'INTERNAL_ERROR',
    'the request was cancelled before the function answered',
    {
      cause: reason,
    },
  )
}

/**
 * Drives a sandbox's guest work for each invocation: pending jobs, timers in order, and fetch
 * answers, until the promise it waits for settles, its deadline passes or the runtime is poisoned.
 * Several invocations may share one runtime; each sleeps until something could change its state.
 */
export class EventLoop {
  readonly timers: TimerTable
  readonly fetches: FetchBridge
  readonly kv: KvBridge
  #active = new Set<Invocation>()
  #idle: (() => void)[] = []

  constructor(
    readonly rt: GuestRuntime,
    kvGrants?: KvGrants,
  ) {
    this.timers = new TimerTable((h) => rt.release(h))
    this.fetches = new FetchBridge(rt, () => this.#wakeAll())
    this.kv = new KvBridge(rt, kvGrants, () => this.#wakeAll())
    rt.onFault(() => this.#wakeAll())
  }

  begin(inv: Invocation): void {
    this.#active.add(inv)
  }

  /** Ends an invocation: its timers are cleared and its fetches aborted. */
  finish(inv: Invocation): void {
    inv.ended = true
    this.timers.clearOwner(inv)
    this.fetches.abortOwner(inv)
    this.kv.abortOwner(inv)
    this.#active.delete(inv)
    if (this.#active.size === 0) for (const resolve of this.#idle.splice(0)) resolve()
  }

  whenIdle(): Promise<void> {
    if (this.#active.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  #wakeAll(): void {
    for (const inv of this.#active) inv.wake()
  }

  /** Reads and frees a thrown guest value; running out of memory poisons the runtime. */
  exception(inv: Invocation, handle: QuickJSHandle): GuestException {
    const e = this.rt.enter(inv, () => readException(this.rt.context, handle))
    this.rt.release(handle)
    if (isOutOfMemory(e, this.rt.engine))
      throw this.rt.poison(memoryLimitError(this.rt.limits.memoryMb), inv)
    return e
  }

  /** The value of a call result, or the guest exception as an FnhostError. */
  unwrap(
    inv: Invocation,
    result: { value: QuickJSHandle } | { error: QuickJSHandle },
  ): QuickJSHandle {
    if ('value' in result) return result.value
    throw classifyException(this.exception(inv, result.error), this.rt.limits, this.rt.engine)
  }

  /** Runs every queued job; a job that throws is an uncaught error of `inv`. */
  drain(inv: Invocation): void {
    for (;;) {
      const result = this.rt.enter(inv, () => this.rt.runtime.executePendingJobs())
      if (!result.error) return
      inv.reportUncaught(this.exception(inv, result.error))
    }
  }

  #runTimer(inv: Invocation, timer: Timer, now: number): void {
    const ctx = this.rt.context
    const callback = this.timers.take(timer, now)
    try {
      const result = this.rt.enter(inv, () => ctx.callFunction(callback, ctx.undefined))
      if (result.error) inv.reportUncaught(this.exception(inv, result.error))
      else result.value.dispose()
    } finally {
      this.rt.release(callback)
    }
    this.#wakeAll()
  }

  /** Waits for a guest promise; returns its value (the caller releases it) or throws why not. */
  async settle(inv: Invocation, promise: QuickJSHandle): Promise<QuickJSHandle> {
    const { rt } = this
    for (;;) {
      this.drain(inv)
      const state = rt.enter(inv, () => rt.context.getPromiseState(promise))
      if (state.type === 'fulfilled') return state.notAPromise ? promise.dup() : state.value
      if (state.type === 'rejected')
        throw classifyException(this.exception(inv, state.error), rt.limits, rt.engine)
      if (inv.uncaught) throw guestError(inv.uncaught)
      const now = Date.now()
      const timer = this.timers.due(inv, now)
      if (timer) {
        this.#runTimer(inv, timer, now)
        continue
      }
      if (now >= inv.deadline) throw cpuLimitError(rt.limits.timeoutMs)
      if (inv.signal.aborted) throw cancelled(inv.signal.reason)
      if (this.timers.size === 0 && this.fetches.size === 0 && this.kv.size === 0)
        throw new FnhostError(
          'GUEST_ERROR',
          "the handler's promise never settles: it waits, but no timer or fetch is pending that could settle it",
        )
      await inv.wait(Math.min(this.timers.nextDue(inv) ?? Infinity, inv.deadline))
      const fault = rt.faultFor(inv)
      if (fault) throw fault
    }
  }

  /** Frees what the loop holds in the guest, before the runtime itself goes. */
  dispose(): void {
    this.timers.clearAll()
    this.fetches.abortAll()
    this.kv.abortAll()
  }
}
