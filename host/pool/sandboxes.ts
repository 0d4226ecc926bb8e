import type { FunctionState } from './function.js'
import type { PoolWorker } from './worker-handle.js'

export const MB = 1024 * 1024

/**
 * What a copy is charged while it loads, before its worker reports what it uses, when no copy of
 * the function has reported yet: a QuickJS engine's initial memory (or the cap, if smaller).
 */
const LOAD_CHARGE_MB = 16

/** What a new copy of `fn` is charged until its worker reports: its last measured size, if any. */
export function loadCharge(fn: FunctionState): number {
  return fn.measuredMb ?? Math.min(fn.spec.config.memoryMb, LOAD_CHARGE_MB)
}

/**
 * One function as loaded in one worker. What its sandbox uses counts against the pool's budget:
 * an estimate until its worker reports the real figure after the load (and again when it moves).
 */
export interface SandboxCopy {
  readonly worker: PoolWorker
  readonly fn: number
  memoryMb: number
  /** Invocations (and the load) running on it now: a copy in use is never evicted. */
  active: number
  lastUsed: number
}

/**
 * Every sandbox copy in every worker, and the memory budget they share. Room for a new copy is
 * made by evicting idle copies, least recently used first; when nothing idle is left, the load
 * is refused. A copy that grows past the budget makes idle copies go the same way.
 */
export class SandboxTable {
  usedMb = 0
  evictions = 0
  private readonly copies = new Map<PoolWorker, Map<number, SandboxCopy>>()

  constructor(
    private readonly limitMb: number,
    /** Tells a worker to drop its copy. */
    private readonly unload: (copy: SandboxCopy) => void,
  ) {}

  get size(): number {
    let n = 0
    for (const m of this.copies.values()) n += m.size
    return n
  }

  get(worker: PoolWorker, fn: number): SandboxCopy | undefined {
    return this.copies.get(worker)?.get(fn)
  }

  /** A new copy (active, so not evictable until released), or undefined if the budget has no room. */
  add(worker: PoolWorker, fn: number, memoryMb: number): SandboxCopy | undefined {
    if (!this.makeRoom(memoryMb)) return undefined
    const copy = { worker, fn, memoryMb, active: 1, lastUsed: Date.now() }
    let inWorker = this.copies.get(worker)
    if (!inWorker) this.copies.set(worker, (inWorker = new Map()))
    inWorker.set(fn, copy)
    this.usedMb += memoryMb
    return copy
  }

  /** A copy's worker reported what it uses now: charge that, and evict idle copies if over. */
  resize(worker: PoolWorker, fn: number, memoryMb: number): void {
    const copy = this.get(worker, fn)
    if (!copy) return
    this.usedMb += memoryMb - copy.memoryMb
    copy.memoryMb = memoryMb
    this.makeRoom(0)
  }

  /** Forgets a copy that is gone already (failed load, dead worker). */
  remove(copy: SandboxCopy): void {
    const inWorker = this.copies.get(copy.worker)
    if (inWorker?.get(copy.fn) !== copy) return
    inWorker.delete(copy.fn)
    if (inWorker.size === 0) this.copies.delete(copy.worker)
    this.usedMb -= copy.memoryMb
  }

  /** Memory charged per function id, over all workers. */
  private memoryByFunction(): Map<number, number> {
    const byFn = new Map<number, number>()
    for (const inWorker of this.copies.values())
      for (const copy of inWorker.values())
        byFn.set(copy.fn, (byFn.get(copy.fn) ?? 0) + copy.memoryMb)
    return byFn
  }

  /** Memory charged per function name (`nameOf` a function id; unnamed ones are left out). */
  memoryByName(nameOf: (fn: number) => string | undefined): Record<string, number> {
    const byName: Record<string, number> = {}
    for (const [id, mb] of this.memoryByFunction()) {
      const name = nameOf(id)
      if (name !== undefined) byName[name] = (byName[name] ?? 0) + mb
    }
    return byName
  }

  /** Drops a copy from its worker. */
  drop(copy: SandboxCopy): void {
    this.remove(copy)
    this.unload(copy)
  }

  dropFunction(fn: number): void {
    for (const inWorker of [...this.copies.values()]) {
      const copy = inWorker.get(fn)
      if (copy) this.drop(copy)
    }
  }

  forgetWorker(worker: PoolWorker): void {
    for (const copy of [...(this.copies.get(worker)?.values() ?? [])]) this.remove(copy)
  }

  /** Evicts copies unused since `before`. */
  sweep(before: number): void {
    for (const copy of this.idle()) {
      if (copy.lastUsed >= before) break
      this.evict(copy)
    }
  }

  private makeRoom(memoryMb: number): boolean {
    if (this.usedMb + memoryMb <= this.limitMb) return true
    if (memoryMb > this.limitMb) return false
    for (const copy of this.idle()) {
      if (this.usedMb + memoryMb <= this.limitMb) break
      this.evict(copy)
    }
    return this.usedMb + memoryMb <= this.limitMb
  }

  private evict(copy: SandboxCopy): void {
    this.evictions++
    this.drop(copy)
  }

  /** Idle copies, least recently used first. */
  private idle(): SandboxCopy[] {
    const all = [...this.copies.values()].flatMap((m) => [...m.values()])
    return all.filter((c) => c.active === 0).sort((a, b) => a.lastUsed - b.lastUsed)
  }
}
