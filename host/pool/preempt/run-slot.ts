import type { GuestGate } from '../../sandbox/guest-gate.js'

/*
 * What a worker runs, published in a SharedArrayBuffer so the main thread's watchdog can stop an
 * overrunning guest in place without a message per request, and never stop a later one by a race.
 *
 * GEN counts the worker's entries into and exits from guest code (odd: guest code runs); OWNER
 * holds the task id of the entry. The worker writes OWNER, then makes GEN odd; it leaves by moving
 * GEN on with a compare-and-swap. The watchdog claims an entry by setting the STOP bit on exactly
 * the GEN it read (a compare-and-swap too), after checking that OWNER is the late task: if the
 * worker left in between, GEN moved and the claim fails. A claimed entry cannot be left: the
 * worker, finding the bit as it leaves, waits until V8's termination (which interrupts
 * Atomics.wait) unwinds it. So the termination always lands inside the claimed entry.
 */

const GEN = 0
const OWNER = 1
const STOP = 1 << 30
const COUNT = STOP - 1
const CELLS = 2

/** The buffer one worker publishes in (created by the main thread, handed over in workerData). */
export function newRunSlotBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT)
}

const ownerOf = (task: number) => task & 0x7fffffff

/** The main thread's side: reads what runs, claims an entry for a stop. */
export class RunSlotView {
  private readonly cells: Int32Array

  constructor(buffer: SharedArrayBuffer) {
    this.cells = new Int32Array(buffer)
  }

  /** Whether guest code of `task` holds the worker's thread now (or a stop of it is pending). */
  runs(task: number): boolean {
    const gen = Atomics.load(this.cells, GEN)
    return (gen & 1) === 1 && Atomics.load(this.cells, OWNER) === ownerOf(task)
  }

  /** Whether a claimed stop has not yet been taken in by the worker (it recovers on its next turn). */
  stopPending(): boolean {
    return (Atomics.load(this.cells, GEN) & STOP) !== 0
  }

  /** Whether any guest code holds the thread now. */
  busy(): boolean {
    return (Atomics.load(this.cells, GEN) & 1) === 1
  }

  /** Claims the running entry of `task` for a stop; false if `task` is not in guest code now. */
  claim(task: number): boolean {
    const gen = Atomics.load(this.cells, GEN)
    if ((gen & STOP) !== 0 || (gen & 1) === 0) return false
    if (Atomics.load(this.cells, OWNER) !== ownerOf(task)) return false
    return Atomics.compareExchange(this.cells, GEN, gen, gen | STOP) === gen
  }
}

/** What a stop ended: the task whose guest code ran, and the gate it ran through. */
export interface StoppedEntry {
  task: number
  gate: GuestGate | undefined
}

/** The worker's side: publishes each entry into guest code; notices a stop that landed. */
export class RunSlot {
  private readonly cells: Int32Array
  private gen = 0
  private depth = 0
  private gate: GuestGate | undefined

  constructor(
    buffer: SharedArrayBuffer,
    /** Called (once, on the next entry or message) after a stop unwound an entry. */
    private readonly onStopped: (entry: StoppedEntry) => void,
  ) {
    this.cells = new Int32Array(buffer)
  }

  enter(task: number, gate: GuestGate): void {
    this.recover()
    if (this.depth++ > 0) return
    this.gate = gate
    Atomics.store(this.cells, OWNER, ownerOf(task))
    this.gen = (this.gen + 1) & COUNT
    Atomics.store(this.cells, GEN, this.gen)
  }

  leave(): void {
    if (--this.depth > 0) return
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
   * slot and reports the entry. A claimed entry blocks in `leave`, so any code running while the
   * STOP bit is set runs after the unwinding.
   */
  recover(): void {
    const gen = Atomics.load(this.cells, GEN)
    if ((gen & STOP) === 0) return
    const entry = { task: Atomics.load(this.cells, OWNER), gate: this.gate }
    this.gen = ((gen & COUNT) + 1) & COUNT
    this.depth = 0
    this.gate = undefined
    Atomics.store(this.cells, GEN, this.gen)
    this.onStopped(entry)
  }
}
