import type { GuestResponse, Invocation } from '../invocation.js'
import type { InvokeOptions, LoadedFunction } from '../sandbox/types.js'
import type { FunctionSpec } from '../types.js'
import type { Admittee } from './admission.js'

/** One function version loaded through the pool (in any number of workers). */
export interface FunctionState extends Admittee {
  readonly id: number
  readonly spec: FunctionSpec
  disposed: boolean
  /** What one copy of it used when a worker last reported, in MB: what its next load is charged. */
  measuredMb?: number
  /** Called once nothing of it runs or waits any more (its dispose waits for that). */
  onIdle?: () => void
}

/** The LoadedFunction the registry holds: a handle on a function whose sandboxes live in workers. */
export class PooledFunction implements LoadedFunction {
  constructor(
    private readonly fn: FunctionState,
    readonly invoke: (inv: Invocation, opts: InvokeOptions) => Promise<GuestResponse>,
    private readonly dispose: () => Promise<void>,
  ) {}

  get spec(): FunctionSpec {
    return this.fn.spec
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose()
  }
}
