import { appendFileSync } from 'node:fs'
import { PerformanceObserver } from 'node:perf_hooks'
import { threadId } from 'node:worker_threads'

/**
 * Cold-start phase marks, for measuring where a new function's first answer spends its time:
 * with FNHOST_PHASE_MARKS=<file>, every thread appends `<epoch ms> <thread> <label> <detail>`
 * lines to that file (one synchronous write each, comparable across threads), garbage
 * collections among them (`gc`, with their length). Off (a no-op) unless the variable is set.
 */
const file = process.env.FNHOST_PHASE_MARKS

function append(at: number, label: string, detail: string): void {
  appendFileSync(
    file as string,
    `${(performance.timeOrigin + at).toFixed(2)} ${threadId} ${label} ${detail}\n`,
  )
}

/** `detail` may be a function: on a hot path, it is then only built when marks are on. */
export function phaseMark(label: string, detail: string | (() => string) = ''): void {
  if (file) append(performance.now(), label, typeof detail === 'function' ? detail() : detail)
}

if (file)
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      append(
        e.startTime,
        'gc',
        `${e.duration.toFixed(1)}ms kind ${(e as { detail?: { kind?: number } }).detail?.kind}`,
      )
  }).observe({ entryTypes: ['gc'] })
