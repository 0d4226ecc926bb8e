import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../host/paths.js'
import { round } from './stats.js'

/** The name bench/thread-tag.mjs gives every worker_threads thread of a server the bench starts. */
export const WORKER_THREAD_NAME = 'node-worker'

/** NODE_OPTIONS for a server whose worker threads the CPU figures must tell apart. */
export function threadTagOptions(existing = process.env.NODE_OPTIONS): string {
  // Plain JS from the checkout in both modes: worker threads run without tsx.
  const tag = join(packageRoot, 'bench', 'thread-tag.mjs')
  const own = `--import ${JSON.stringify(tag)}`
  return existing ? `${existing} ${own}` : own
}

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on every Linux build we know). */
const TICKS_PER_S = 100

interface Snapshot {
  /** The whole process (every thread, exited ones included), µs. */
  totalUs: number
  /** tid -> µs on CPU, with whether it is a tagged worker thread. */
  threads: Map<number, { us: number; worker: boolean }>
}

/** utime + stime of a /proc stat line, µs (fields 14 and 15; the name in parentheses may hold spaces). */
function statUs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_S
}

/** A thread's time on CPU: schedstat's first field (ns) where the kernel keeps it, else stat's ticks. */
function threadUs(dir: string): number {
  try {
    return Number(readFileSync(`${dir}/schedstat`, 'utf8').split(' ')[0]) / 1000
  } catch {
    return statUs(readFileSync(`${dir}/stat`, 'utf8'))
  }
}

function snapshot(pid: number): Snapshot {
  const threads = new Map<number, { us: number; worker: boolean }>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const dir = `/proc/${pid}/task/${tid}`
    try {
      const worker = readFileSync(`${dir}/comm`, 'utf8').trim() === WORKER_THREAD_NAME
      threads.set(Number(tid), { us: threadUs(dir), worker })
    } catch {
      // The thread ended while the bench read the list.
    }
  }
  return { totalUs: statUs(readFileSync(`/proc/${pid}/stat`, 'utf8')), threads }
}

/** CPU a server process spent in a window, µs per request answered in it. */
export interface CpuPerRequest {
  /** The process's main thread: HTTP, Hono, dispatch, the pool's side of every message. */
  mainUs: number
  /**
   * Every worker_threads thread together: the pool's workers, which run the guests, and the host's
   * other threads (scanner, bundler), idle under load.
   */
  workersUs: number
  /** Everything else: V8's platform threads (GC, wasm and JS compilation), libuv's thread pool. */
  otherUs: number
  /** The whole process: main + workers + other. */
  totalUs: number
  /** Worker threads alive at the end of the window. */
  workerThreads: number
}

export interface CpuWindow {
  /** Ends the window and divides what each part spent by `requests`. */
  end(requests: number): CpuPerRequest
}

/**
 * Starts measuring the CPU of process `pid` (Linux /proc). Threads that start inside the window
 * count from zero; a thread that ends inside it keeps its time in `totalUs` (the kernel adds it to
 * the process) and so shows in `otherUs`.
 */
export function cpuWindow(pid: number): CpuWindow {
  const before = snapshot(pid)
  return {
    end(requests) {
      const after = snapshot(pid)
      let main = 0
      let workers = 0
      let workerThreads = 0
      for (const [tid, t] of after.threads) {
        const spent = t.us - (before.threads.get(tid)?.us ?? 0)
        if (tid === pid) main = spent
        else if (t.worker) {
          workers += spent
          workerThreads++
        }
      }
      const total = after.totalUs - before.totalUs
      const per = (us: number) => (requests > 0 ? round(us / requests, 1) : Number.NaN)
      const mainUs = per(main)
      const workersUs = per(workers)
      return {
        mainUs,
        workersUs,
        // Ticks (total) against nanoseconds (threads): never below zero from rounding alone.
        otherUs: per(Math.max(0, total - main - workers)),
        // Never below its rounded parts' sum (rounding each part on its own can put it 0.1 under).
        totalUs: Math.max(per(Math.max(total, main + workers)), mainUs + workersUs),
        workerThreads,
      }
    },
  }
}
