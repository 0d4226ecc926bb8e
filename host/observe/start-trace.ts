import { readFileSync } from 'node:fs'
import { isMainThread, threadId } from 'node:worker_threads'

/*
 * Start-up phases, for finding what a start waits for (scripts/start-phases.ts). With
 * FNHOST_TRACE_START=1 in the environment every thread writes one stderr line per phase:
 * `fnhost-trace <epoch ms> <thread> <phase>`. Epoch time, not performance.now(): each worker
 * thread has its own time origin, and the reader compares them with the moment it spawned the
 * process. The main thread adds the CPU time it has used (Linux). Off by default, it costs one
 * check per mark.
 */

const on = process.env.FNHOST_TRACE_START === '1'
const thread = isMainThread ? 'main' : `thread-${threadId}`

/** CPU time of the main thread (the process's first task) in ms, where Linux tells it. */
function mainCpuMs(): string {
  try {
    return ` (cpu ${(Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[0]) / 1e6).toFixed(0)} ms)`
  } catch {
    return ''
  }
}

/** Records that this thread reached `phase`. */
export function traceStart(phase: string): void {
  if (!on) return
  const at = (performance.timeOrigin + performance.now()).toFixed(1)
  const cpu = isMainThread ? mainCpuMs() : ''
  process.stderr.write(`fnhost-trace ${at} ${thread} ${phase}${cpu}\n`)
}
