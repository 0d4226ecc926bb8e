import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os'
import { sleep } from './stats.js'

export interface Machine {
  cores: number
  cpuModel: string
  node: string
  v8: string
  os: string
  memoryGiB: number
  /** 1-minute load average when the run started: other work on the machine distorts every figure. */
  loadAverage1m: number
  loadGenerator: string
  /** Worker threads `fnhost serve` runs by default here (one per core). */
  fnhostWorkers: number
  date: string
}

export function describeMachine(loadGenerator: string): Machine {
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    v8: process.versions.v8,
    os: `${process.platform} ${release()} ${process.arch}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage1m: Math.round((loadavg()[0] as number) * 100) / 100,
    loadGenerator,
    fnhostWorkers: availableParallelism(),
    date: new Date().toISOString(),
  }
}

export function machineLine(m: Machine): string {
  return `${m.date.slice(0, 10)} · ${m.cores} cores (${m.cpuModel}) · ${m.memoryGiB} GiB · Node ${m.node} · ${m.os} · load ${m.loadAverage1m} · ${m.loadGenerator}`
}

/**
 * The share of all cores' time spent busy (user, nice, system, interrupts) over the next `ms`:
 * what other work takes from the machine now, where the load average still carries the last
 * minute (the bench's own earlier scenarios among it).
 */
export async function coresBusy(ms = 1000): Promise<number> {
  const sum = () =>
    cpus().reduce(
      (acc, c) => {
        const { user, nice, sys, irq, idle } = c.times
        acc.busy += user + nice + sys + irq
        acc.all += user + nice + sys + irq + idle
        return acc
      },
      { busy: 0, all: 0 },
    )
  const before = sum()
  await sleep(ms)
  const after = sum()
  const all = after.all - before.all
  return all > 0 ? (after.busy - before.busy) / all : 0
}
