import { GuestStopped, type GuestGate } from '../../sandbox/guest-gate.js'
import type { LoadedFunction } from '../../sandbox/types.js'
import type { FunctionSpec } from '../../types.js'
import type { RunSlot } from './run-slot.js'

/**
 * The gate of one sandbox copy in a worker: publishes each entry into its guest code in the
 * worker's run slot, and refuses every entry once a stop has cut one short (closed).
 */
export class CopyGate implements GuestGate {
  closed = false

  constructor(private readonly slot: RunSlot | undefined) {}

  run<T>(runId: number, f: () => T): T {
    if (this.closed) throw new GuestStopped()
    const slot = this.slot
    if (!slot) return f()
    slot.enter(runId, this)
    try {
      return f()
    } finally {
      slot.leave()
    }
  }
}

/** One function as loaded in this worker: the current build of its sandbox and the gate it runs through. */
export interface WorkerCopy {
  readonly spec: FunctionSpec
  gate: CopyGate
  loading: Promise<LoadedFunction> | undefined
  ready: boolean
}

/** How long loading (engine instance, prelude, module evaluation) may take: its own budget, not a request's. */
export function loadBudgetMs(spec: FunctionSpec, loadTimeoutMs: number): number {
  return Math.max(spec.config.timeoutMs, loadTimeoutMs)
}
