import { FnhostError } from '../errors.js'
import { InvocationTask, type Task } from './tasks.js'
import type { PoolWorker } from './worker-handle.js'

/** What becomes of a task whose worker exited: see fateOnExit. */
export type Fate =
  /** It ran past its deadline and that is why the worker was killed: it ends with its limit error. */
  | { end: 'limit' }
  /** It ends with this error. */
  | { end: 'error'; error: FnhostError }
  /** It never started and may run again elsewhere, once. */
  | { end: 'retry' }

export interface Exit {
  worker: PoolWorker
  reason: string
  /** The watchdog killed the worker (rather than a crash or an exit). */
  timedOut: boolean
  now: number
  graceMs: number
  overloaded: (message: string) => FnhostError
}

/** Decides the fate of `task`, which was on `exit.worker` when that worker exited. */
export function fateOnExit(task: Task, exit: Exit): Fate {
  // The run slot still shows what the worker ran when it was terminated.
  const ran = task.started || exit.worker.slot.runs(task.id)
  if (exit.timedOut && ran && task.hardDeadline - exit.graceMs <= exit.now) return { end: 'limit' }
  if (task.kind === 'inspect')
    return {
      end: 'error',
      error: new FnhostError(
        'FUNCTION_LOAD_FAILED',
        `checking the file stopped its worker (${exit.reason})`,
      ),
    }
  if (task instanceof InvocationTask && !task.started && task.retryable && !task.retried)
    return { end: 'retry' }
  return {
    end: 'error',
    error: exit.overloaded('the worker running this request stopped; retry shortly'),
  }
}
