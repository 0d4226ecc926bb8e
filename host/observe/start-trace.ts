import { isMainThread, threadId } from 'node:worker_threads'

/*
 * Start-up phases, for finding what a start waits for (bench `binary`, scripts/start-phases.ts).
 * With FNHOST_TRACE_START=1 in the environment every thread writes one stderr line per phase:
 * `fnhost-trace <epoch ms> <thread> <phase>`. Epoch time, not performance.now(): each worker
 * thread has its own time origin, and the reader compares them with the moment it spawned the
 * process. Off by default, it costs one check per mark.
 */

const on = process.env.FNHOST_TRACE_START === '1'
const thread = isMainThread ? 'main' : `thread-${threadId}`

/** Records that this thread reached `phase`. */
export function traceStart(phase: string): void {
  if (!on) return
  const at = (performance.timeOrigin + performance.now()).toFixed(1)
  process.stderr.write(`fnhost-trace ${at} ${thread} ${phase}\n`)
}
