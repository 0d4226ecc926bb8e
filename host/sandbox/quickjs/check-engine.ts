import { newEngine, type Engine } from './spare.js'
import { dropEngine } from './template.js'

/*
 * Engines for scan-time checks (a file's syntax compiled, its config literal evaluated), each on
 * a fresh engine that then goes: a check never shares an engine with another, nor takes the one
 * made ahead for the next load. Making that engine was most of a plain new file's check (6.4 of
 * 7.3 ms, load average 15): a thread that checked a file makes the next check's engine ahead,
 * as files come in runs (a folder being written, a deploy), and drops it if none comes.
 */

/** How long after a check its successor's engine is made: the check, and the load after it, first. */
export const CHECK_SPARE_AFTER_MS = 20

/** How long an engine made ahead for a check waits for one before it is dropped. */
export const CHECK_SPARE_IDLE_MS = 30_000

interface CheckSpare {
  engine?: Engine
  making?: NodeJS.Timeout
  idle?: NodeJS.Timeout
}

/** By memory cap (a syntax check's and a config literal's differ). */
const spares = new Map<number, CheckSpare>()

function drop(memoryMb: number): void {
  const spare = spares.get(memoryMb)
  spares.delete(memoryMb)
  if (!spare) return
  clearTimeout(spare.making)
  clearTimeout(spare.idle)
  if (spare.engine) dropEngine(spare.engine)
}

function makeLater(memoryMb: number): void {
  const spare: CheckSpare = {}
  spares.set(memoryMb, spare)
  spare.making = setTimeout(() => {
    spare.making = undefined
    void newEngine(memoryMb).then(
      (engine) => {
        if (spares.get(memoryMb) !== spare) return dropEngine(engine)
        spare.engine = engine
        spare.idle = setTimeout(() => drop(memoryMb), CHECK_SPARE_IDLE_MS)
        spare.idle.unref()
      },
      () => spares.get(memoryMb) === spare && spares.delete(memoryMb),
    )
  }, CHECK_SPARE_AFTER_MS)
  spare.making.unref()
}

/** A fresh engine for a check (the one made ahead, if ready); the next check's is made soon. */
export async function checkEngine(memoryMb: number): Promise<Engine> {
  const spare = spares.get(memoryMb)
  const ready = spare?.engine
  if (spare) spare.engine = undefined
  drop(memoryMb)
  makeLater(memoryMb)
  return ready ?? newEngine(memoryMb)
}

/** Whether an engine for a check with `memoryMb` is ready ahead. */
export function checkSpareReady(memoryMb: number): boolean {
  return spares.get(memoryMb)?.engine !== undefined
}
