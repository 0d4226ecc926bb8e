import { Worker, type WorkerOptions } from 'node:worker_threads'
import { embeddedWorkerSource } from '../assets.js'
import { startThread } from '../threads.js'
import type { WorkerConfig } from './protocol.js'

let embedded: URL | undefined

/**
 * Starts one pool worker thread from wherever this host runs: the bundled entry embedded in the
 * single binary, or the compiled worker entry (host/threads.ts).
 */
export function startWorker(config: WorkerConfig, heapMb: number): Worker {
  const options: WorkerOptions = {
    workerData: config,
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
    execArgv: [],
  }
  const source = embeddedWorkerSource()
  if (source !== undefined) {
    // An ES module (the worker awaits at top level), so a data: URL rather than `eval: true`.
    embedded ??= new URL('data:text/javascript;base64,' + Buffer.from(source).toString('base64'))
    return new Worker(embedded, options)
  }
  // A test's own driver module is TypeScript from outside host/: its worker runs under tsx.
  const tsx = config.drivers.modules?.some((m) => m.endsWith('.ts')) ?? false
  return startThread('worker', import.meta.url, options, tsx)
}
