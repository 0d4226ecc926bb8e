import type { Worker, WorkerOptions } from 'node:worker_threads'
import { startThread } from '../threads.js'
import type { WorkerConfig } from './protocol.js'

/** Starts one pool worker thread (host/threads.ts finds its entry wherever this host runs). */
export function startWorker(config: WorkerConfig, heapMb: number): Worker {
  const options: WorkerOptions = {
    workerData: config,
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
    execArgv: [],
  }
  // A test's own driver module is TypeScript from outside host/: its worker runs under tsx.
  const tsx = config.drivers.modules?.some((m) => m.endsWith('.ts')) ?? false
  return startThread('pool/worker', options, tsx)
}
