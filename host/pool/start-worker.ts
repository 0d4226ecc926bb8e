import type { Worker, WorkerOptions } from 'node:worker_threads'
import { runnableModule, startThread } from '../threads.js'
import type { WorkerConfig } from './protocol.js'

/** Starts one pool worker thread (host/threads.ts finds its entry wherever this host runs). */
export function startWorker(config: WorkerConfig, heapMb: number): Worker {
  // A test's own driver module is TypeScript from outside host/: bundled to run in the worker, or
  // (when it imports host/ at run time) the worker runs under tsx.
  const modules = config.drivers.modules?.map(runnableModule)
  const tsx = modules?.includes(undefined) ?? false
  const options: WorkerOptions = {
    workerData: tsx ? config : { ...config, drivers: { ...config.drivers, modules } },
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
    execArgv: [],
  }
  return startThread('pool/worker', options, tsx)
}
