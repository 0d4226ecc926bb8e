import { readFileSync } from 'node:fs'
import { isMainThread, threadId } from 'node:worker_threads'

/*
 * Start-up phases, for finding what a start waits for (scripts/start-phases.ts). With
 * FNHOST_TRACE_START=1 in the environment every thread writes one stderr line per phase:
 * `fnhost-trace <epoch ms> <thread> <phase>`. Epoch time, not performance.now(): each worker
 * thread has its own time origin, and the reader compares them with the moment it spawned the
 * process. Each thread adds the CPU time it has used itself (Linux). Off by default, it costs one
 * check per mark.
 */

const on = process.env.FNHOST_TRACE_START === '1'
const thread = isMainThread ? 'main' : `thread-${threadId}`

/** CPU time of the calling thread in ms, where Linux tells it. */
function threadCpuMs(): string {
  try {
    return ` (cpu ${(Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6).toFixed(0)} ms)`
  } catch {
    return ''
  }
}

/** Records that this thread reached `phase`. */
export function traceStart(phase: string): void {
  if (!on) return
  const at = (performance.timeOrigin + performance.now()).toFixed(1)
  process.stderr.write(`fnhost-trace ${at} ${thread} ${phase}${threadCpuMs()}\n`)
}
