import type { QuickJSHandle } from 'quickjs-emscripten-core'
import type { Invocation } from './invocation.js'

/** Bounds host memory spent on a guest's timers. */
export const MAX_TIMERS = 10_000

export interface Timer {
  readonly id: number
  readonly owner: Invocation
  /** The guest callback, owned by the table until the timer is cleared. */
  readonly callback: QuickJSHandle
  due: number
  readonly seq: number
  /** Set for setInterval. */
  readonly interval: number | undefined
}

/** A sandbox's timers; they run in order of due time, then creation, each in its owner's turn. */
export class TimerTable {
  #timers = new Map<number, Timer>()
  #seq = 0

  constructor(private readonly release: (handle: QuickJSHandle) => void) {}

  get size(): number {
    return this.#timers.size
  }

  add(owner: Invocation, callback: QuickJSHandle, ms: number, repeat: boolean): number {
    if (this.#timers.size >= MAX_TIMERS) {
      this.release(callback)
      throw new RangeError(`too many pending timers (at most ${MAX_TIMERS})`)
    }
    const seq = ++this.#seq
    const delay = Math.max(0, ms)
    this.#timers.set(seq, {
      id: seq,
      owner,
      callback,
      due: Date.now() + delay,
      seq,
      interval: repeat ? Math.max(1, delay) : undefined,
    })
    return seq
  }

  clear(id: number): void {
    const t = this.#timers.get(id)
    if (!t) return
    this.#timers.delete(id)
    this.release(t.callback)
  }

  /** The first of `owner`'s timers that is due by `now`. */
  due(owner: Invocation, now: number): Timer | undefined {
    let best: Timer | undefined
    for (const t of this.#timers.values())
      if (
        t.owner === owner &&
        t.due <= now &&
        (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq))
      )
        best = t
    return best
  }

  nextDue(owner: Invocation): number | undefined {
    let next: number | undefined
    for (const t of this.#timers.values())
      if (t.owner === owner && (next === undefined || t.due < next)) next = t.due
    return next
  }

  /** Takes a due timer out for running: one-shot timers leave the table, intervals are rescheduled. */
  take(timer: Timer, now: number): QuickJSHandle {
    if (timer.interval === undefined) {
      this.#timers.delete(timer.id)
      return timer.callback
    }
    timer.due = now + timer.interval
    return timer.callback.dup()
  }

  clearOwner(owner: Invocation): void {
    for (const t of [...this.#timers.values()]) if (t.owner === owner) this.clear(t.id)
  }

  clearAll(): void {
    for (const id of [...this.#timers.keys()]) this.clear(id)
  }
}
