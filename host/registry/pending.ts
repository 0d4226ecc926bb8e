import type { FunctionLoader } from '../sandbox/types.js'
import type { Slot } from './slot.js'

/**
 * A rewrite that is not atomic (truncate, then write) shows half-written versions. While a good
 * version serves, a changed version that fails to scan or load is reported only if it still
 * fails this long after the change: the previous version serves meanwhile.
 */
export const SETTLE_MS = 1000

/**
 * New versions of functions that serve well, held back from the route table: one that loads ahead
 * and replaces the old version once loaded, or a failing one whose file gets SETTLE_MS to settle.
 */
export class PendingVersions {
  private readonly loading = new Map<string, Slot>()
  private readonly settling = new Map<string, NodeJS.Timeout>()

  /** `retire`: what a version held back and then dropped goes through (its sandboxes end). */
  constructor(private readonly retire: (slot: Slot) => void) {}

  /** Whether this version of `file` is already loading ahead. */
  holds(file: string, version: string): boolean {
    return this.loading.get(file)?.version === version
  }

  /** Holds `slot` back while it loads; `loaded` gets the load's problem, if any. */
  load(file: string, slot: Slot, loader: FunctionLoader, loaded: (problem?: string) => void): void {
    this.loading.set(file, slot)
    void slot.preload(loader).then(loaded)
  }

  /** Takes `slot` out of the versions held, if it is still the one held for `file`. */
  take(file: string, slot: Slot): boolean {
    if (this.loading.get(file) !== slot) return false
    this.loading.delete(file)
    return true
  }

  /** Drops (retires) the version held for `file`, if any. */
  drop(file: string): void {
    const slot = this.loading.get(file)
    if (!slot) return
    this.loading.delete(file)
    this.retire(slot)
  }

  /** Calls `then` once `file` has had SETTLE_MS to settle (again, if it was waiting already). */
  settleLater(file: string, then: () => void): void {
    clearTimeout(this.settling.get(file))
    const timer = setTimeout(() => {
      this.settling.delete(file)
      then()
    }, SETTLE_MS)
    this.settling.set(file, timer)
  }

  /** No settle calls any more. */
  stopTimers(): void {
    for (const timer of this.settling.values()) clearTimeout(timer)
    this.settling.clear()
  }

  /** Every version held, taken out (to retire them). */
  takeAll(): Slot[] {
    const slots = [...this.loading.values()]
    this.loading.clear()
    return slots
  }
}
