import { appendFileSync } from 'node:fs'
import { threadId } from 'node:worker_threads'

/**
 * Cold-start phase marks, for measuring where a new function's first answer spends its time:
 * with FNHOST_PHASE_MARKS=<file>, every thread appends `<epoch ms> <thread> <label> <detail>`
 * lines to that file (one synchronous write each, comparable across threads). Off (a no-op)
 * unless the variable is set.
 */
const file = process.env.FNHOST_PHASE_MARKS

export function phaseMark(label: string, detail = ''): void {
  if (!file) return
  const at = (performance.timeOrigin + performance.now()).toFixed(2)
  appendFileSync(file, `${at} ${threadId} ${label} ${detail}\n`)
}
