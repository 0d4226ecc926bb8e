import type { GuestGate } from '../../sandbox/guest-gate.js'

/*
 * What a worker runs, published in a SharedArrayBuffer so the main thread's watchdog can stop an
 * overrunning guest in place without a message per request, and never stop a later one by a race.
 *
 * GEN is the sequence number of the worker's entries into and exits from guest code (odd: guest
 * code runs). OWNER holds the task id of the entry and DEADLINE the deadline it runs under (ms
 * past the slot's base time), both written before GEN turns odd: the worker, not a message in
 * flight, says which deadline applies (a rebuild runs under its load budget, a run after a load
 * under its restarted time). The worker leaves by moving GEN on with a compare-and-swap. The
 * watchdog claims an entry by setting the STOP bit on exactly the GEN it read (a compare-and-swap
 * too), after checking that OWNER is the late task and that its DEADLINE has passed: if the
 * worker left in between, GEN moved and the claim fails. A claimed entry cannot be left: the
 * worker, finding the bit as it leaves, waits until V8's termination (which interrupts
 * Atomics.wait) unwinds it. So the termination always lands inside the claimed entry, and an
 * entry that left before its deadline can never be claimed.
 */

const GEN = 0
const OWNER = 1
const DEADLINE = 2
/** Float64 index of the base time (epoch ms), written once before the worker starts. */
const BASE_F64 = 2
const STOP = 1 << 30
const COUNT = STOP - 1
const BYTES = 3 * Float64Array.BYTES_PER_ELEMENT
/** A deadline further out than an int32 of milliseconds reaches (about 24 days): never. */
const NEVER = 0x7fffffff

/** The buffer one worker publishes in (created by the main thread, handed over in workerData). */
export function newRunSlotBuffer(): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(BYTES)
  new Float64Array(buffer)[BASE_F64] = Date.now()
  return buffer
}

const ownerOf = (task: number) => task & 0x7fffffff

/** The main thread's side: reads what runs, claims an entry for a stop. */
export class RunSlotView {
  private readonly cells: Int32Array
  private readonly base: number

  constructor(buffer: SharedArrayBuffer) {
    this.cells = new Int32Array(buffer)
    this.base = new Float64Array(buffer)[BASE_F64]!
  }

  /** Whether guest code of `task` holds the worker's thread now (or a stop of it is pending). */
  runs(task: number): boolean {
    const gen = Atomics.load(this.cells, GEN)
    return (gen & 1) === 1 && Atomics.load(this.cells, OWNER) === ownerOf(task)
  }

  /** The deadline (epoch ms) of the entry running now; meaningful while `runs` says so. */
  deadline(): number {
    const rel = Atomics.load(this.cells, DEADLINE)
    return rel === NEVER ? Infinity : this.base + rel
  }

  /** Whether a claimed stop has not yet been taken in by the worker (it recovers on its next turn). */
  stopPending(): boolean {
    return (Atomics.load(this.cells, GEN) & STOP) !== 0
  }

  /** Whether any guest code holds the thread now. */
  busy(): boolean {
    return (Atomics.load(this.cells, GEN) & 1) === 1
  }

  /**
   * Claims the running entry of `task` for a stop, if that entry's own deadline is at or before
   * `lateSince` (epoch ms); false if `task` is not in guest code now, or not late.
   */
  claim(task: number, lateSince: number): boolean {
    const gen = Atomics.load(this.cells, GEN)
    if ((gen & STOP) !== 0 || (gen & 1) === 0) return false
    if (Atomics.load(this.cells, OWNER) !== ownerOf(task)) return false
    if (this.deadline() > lateSince) return false
    return Atomics.compareExchange(this.cells, GEN, gen, gen | STOP) === gen
  }
}

/** What a stop ended: the task whose guest code ran, and the gate it ran through. */
export interface StoppedEntry {
  task: number
  gate: GuestGate | undefined
}

/**
 * The worker's side: publishes each outermost entry into guest code (its gate keeps nested
 * entries out of the slot); notices a stop that landed.
 */
export class RunSlot {
  private readonly cells: Int32Array
  private readonly base: number
  private gen = 0
  private gate: GuestGate | undefined

  constructor(
    buffer: SharedArrayBuffer,
    /** Called (once, on the next entry or message) after a stop unwound an entry. */
    private readonly onStopped: (entry: StoppedEntry) => void,
  ) {
    this.cells = new Int32Array(buffer)
    this.base = new Float64Array(buffer)[BASE_F64]!
  }

  enter(task: number, deadline: number, gate: GuestGate): void {
    this.recover()
    this.gate = gate
    const rel = deadline - this.base
    Atomics.store(this.cells, OWNER, ownerOf(task))
    Atomics.store(this.cells, DEADLINE, rel >= NEVER ? NEVER : Math.max(0, Math.ceil(rel)))
    this.gen = (this.gen + 1) & COUNT
    Atomics.store(this.cells, GEN, this.gen)
  }

  leave(): void {
    const next = (this.gen + 1) & COUNT
    const seen = Atomics.compareExchange(this.cells, GEN, this.gen, next)
    if (seen === this.gen) {
      this.gen = next
      this.gate = undefined
      return
    }
    // The watchdog claimed this entry: its termination is on the way and must land here.
    for (;;) Atomics.wait(this.cells, GEN, seen)
  }

  /**
   * After a termination unwound a claimed entry (no code of it ran on the way out), resets the
   * slot and reports the entry. A claimed entry blocks in `leave`, and entries nested in it never
   * reach the slot, so any code that finds the STOP bit set runs after the unwinding.
   */
  recover(): void {
    const gen = Atomics.load(this.cells, GEN)
    if ((gen & STOP) === 0) return
    const entry = { task: Atomics.load(this.cells, OWNER), gate: this.gate }
    this.gen = ((gen & COUNT) + 1) & COUNT
    this.gate = undefined
    Atomics.store(this.cells, GEN, this.gen)
    this.onStopped(entry)
  }
}
