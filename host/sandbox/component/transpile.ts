import type { Worker } from 'node:worker_threads'
import { startThread } from '../../threads.js'
import { ensurePrivateDir, entryDir, readEntry, type Transpiled } from './cache.js'

export interface ThreadJob {
  bytes: Uint8Array
  /** Where to write the transpiled entry; absent: only check the component's world. */
  entryDir?: string
}

export type ThreadResult = { ok: true; transpiled?: Transpiled } | { ok: false; message: string }

/** A check or a transpile is refused (the message names why); any other failure is thrown as is. */
export class ComponentRefused extends Error {
  override readonly name = 'ComponentRefused'
}

const THREAD_HEAP_MB = 1024

function spawn(job: ThreadJob): Worker {
  const options = {
    workerData: job,
    resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
    execArgv: [],
  }
  return startThread('sandbox/component/transpile-thread', options)
}

function inThread(job: ThreadJob): Promise<ThreadResult> {
  return new Promise((resolve, reject) => {
    const worker = spawn(job)
    let answered = false
    worker.once('message', (result: ThreadResult) => {
      answered = true
      resolve(result)
    })
    worker.once('error', reject)
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the component transpiler thread exited with code ${code}`))
    })
  })
}

/**
 * One transpile at a time per thread: each takes a core's worth of CPU and a large heap for
 * seconds, and loads that wait are better than a machine that swaps.
 */
let queue: Promise<unknown> = Promise.resolve()
function queued<T>(job: () => Promise<T>): Promise<T> {
  const next = queue.then(job, job)
  queue = next.catch(() => undefined)
  return next
}

/**
 * The component checked and transpiled, from the cache when an earlier load (in any worker, or
 * before a restart) did it already; else in a thread of its own, which fills the cache.
 */
export async function prepareComponent(bytes: Uint8Array, cacheDir: string): Promise<Transpiled> {
  ensurePrivateDir(cacheDir)
  const dir = entryDir(cacheDir, bytes)
  const cached = await readEntry(dir)
  if (cached) return cached
  const result = await queued(async (): Promise<ThreadResult> => {
    // A load queued behind another of the same component finds its entry written.
    const done = await readEntry(dir)
    return done ? { ok: true, transpiled: done } : inThread({ bytes, entryDir: dir })
  })
  if (!result.ok) throw new ComponentRefused(result.message)
  if (!result.transpiled) throw new Error('the component transpiler thread answered nothing')
  return result.transpiled
}
