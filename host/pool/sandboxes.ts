import type { PoolWorker } from './worker-handle.js'

/** One function as loaded in one worker. Its memory cap counts against the pool's budget. */
export interface SandboxCopy {
  readonly worker: PoolWorker
  readonly fn: number
  readonly memoryMb: number
  /** Invocations (and the load) running on it now: a copy in use is never evicted. */
  active: number
  lastUsed: number
}

/**
 * Every sandbox copy in every worker, and the memory budget they share. Room for a new copy is
 * made by evicting idle copies, least recently used first; when nothing idle is left, the load
 * is refused.
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

  /** Forgets a copy that is gone already (failed load, dead worker). */
  remove(copy: SandboxCopy): void {
    const inWorker = this.copies.get(copy.worker)
    if (inWorker?.get(copy.fn) !== copy) return
    inWorker.delete(copy.fn)
    if (inWorker.size === 0) this.copies.delete(copy.worker)
    this.usedMb -= copy.memoryMb
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
