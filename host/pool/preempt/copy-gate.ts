import { GuestStopped, type GuestGate, type GuestRun } from '../../sandbox/guest-gate.js'
import type { LoadedFunction } from '../../sandbox/types.js'
import type { FunctionSpec } from '../../types.js'
import type { RunSlot } from './run-slot.js'

/**
 * The gate of one sandbox copy in a worker: publishes each outermost entry into its guest code in
 * the worker's run slot, and refuses every entry once a stop has cut one short (closed). An entry
 * nested in another (the engine calling back into the host, which calls the engine again) stays
 * out of the slot: the outer one already holds it, and a stop claimed there must not be taken
 * for landed by the nested one.
 */
export class CopyGate implements GuestGate {
  closed = false
  /** Entries of this gate on the stack now (a stop leaves it as it was: the gate is closed then). */
  private depth = 0

  constructor(private readonly slot: RunSlot | undefined) {}

  run<T>(run: GuestRun, f: () => T): T {
    if (this.closed) throw new GuestStopped()
    const slot = this.depth === 0 ? this.slot : undefined
    slot?.enter(run.runId, run.deadline, this)
    this.depth++
    try {
      return f()
    } finally {
      this.depth--
      slot?.leave()
    }
  }
}

/** One function as loaded in this worker: the current build of its sandbox and the gate it runs through. */
export interface WorkerCopy {
  readonly spec: FunctionSpec
  gate: CopyGate
  loading: Promise<LoadedFunction> | undefined
  ready: boolean
  /** How long its calls took lately, in ms (a moving average); unset before the first call. */
  recentMs?: number
  /** The memory it was last reported to use (bytes); unset before its first report. */
  reportedBytes?: number
}

/** How long loading (engine instance, prelude, module evaluation) may take: its own budget, not a request's. */
export function loadBudgetMs(spec: FunctionSpec, loadTimeoutMs: number): number {
  return Math.max(spec.config.timeoutMs, loadTimeoutMs)
}
