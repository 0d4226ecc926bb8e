import { FnhostError, isFnhostError } from '../errors.js'
import type { DriverSet } from '../sandbox/index.js'
import type { LoadedFunction } from '../sandbox/types.js'
import type { FunctionSpec } from '../types.js'
import { CopyGate, type WorkerCopy } from './preempt/copy-gate.js'
import type { RunSlot } from './preempt/run-slot.js'

/* A pool worker's loads: building a sandbox copy of a function, and the error a failed load gives. */

export function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

function loadError(spec: FunctionSpec, e: unknown): FnhostError {
  if (isFnhostError(e)) return e
  return new FnhostError(
    'FUNCTION_LOAD_FAILED',
    `function ${spec.name} failed to load: ${describe(e)}`,
    {
      cause: e,
    },
  )
}

/** Starts (re)building a copy's sandbox behind a fresh gate, under the load's own budget. */
export function buildCopy(
  drivers: DriverSet,
  slot: RunSlot | undefined,
  copy: WorkerCopy,
  runId: number,
  deadline: number,
): Promise<LoadedFunction> {
  const gate = new CopyGate(slot)
  const { spec } = copy
  const loading = (async () => drivers.load(spec, { gate, runId, deadline }))()
  const settled = loading.then(
    (fn) => {
      if (copy.loading === settled) copy.ready = true
      return fn
    },
    (e: unknown) => {
      if (copy.loading === settled) copy.loading = undefined
      throw loadError(spec, e)
    },
  )
  // Rejections reach whoever awaits the copy; an unawaited rebuild must not crash the thread.
  settled.catch(() => undefined)
  copy.gate = gate
  copy.loading = settled
  copy.ready = false
  return settled
}
