import { appendFileSync, readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { afterAll, beforeAll, expect } from 'vitest'

/**
 * `vitest.measure.config.ts` only: after a test file, appends one line to $FNHOST_TEST_CPU_LOG with
 * the CPU seconds the file cost (its process's threads, plus the child processes it waited for,
 * such as CLI runs, counted from before the file was imported) and its wall seconds, so the files
 * worth making cheaper can be found on a busy machine, where wall times say little. Linux only.
 */
const log = process.env.FNHOST_TEST_CPU_LOG

function cpuSeconds(): { self: number; children: number } {
  // Fields after the ')' of comm: state is [0], utime [11], stime [12], cutime [13], cstime [14].
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const f = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number)
  const tick = 100 // USER_HZ on Linux
  return { self: (f[11]! + f[12]!) / tick, children: (f[13]! + f[14]!) / tick }
}

// Taken before the test file is imported, so its imports count; the process's start does not.
const started = performance.now()
const before = cpuSeconds()

// Read in a hook: when files share a process, expect's state in afterAll may name another file.
let file = 'unknown'
beforeAll(() => {
  file = relative(process.cwd(), expect.getState().testPath ?? 'unknown')
})

afterAll(() => {
  if (!log) return
  const now = cpuSeconds()
  const cpu = { self: now.self - before.self, children: now.children - before.children }
  const wall = (performance.now() - started) / 1000
  appendFileSync(
    log,
    `${(cpu.self + cpu.children).toFixed(2)}\t${cpu.self.toFixed(2)}\t${cpu.children.toFixed(2)}\t${wall.toFixed(2)}\t${file}\n`,
  )
})
