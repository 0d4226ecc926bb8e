import { Worker, type WorkerOptions } from 'node:worker_threads'
import { embeddedWorkerSource } from '../assets.js'
import type { WorkerConfig } from './protocol.js'

let embedded: URL | undefined

/**
 * Starts one pool worker thread from wherever this host runs: the bundled entry embedded in the
 * single binary, dist/host/pool/worker.js, or host/pool/worker.ts under tsx.
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
  const entry = new URL(
    `./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
    import.meta.url,
  )
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options)
  // Running from source: under Node 20 `--import tsx` registers its hooks on the main thread
  // only, so the worker registers them itself before it imports its (TypeScript) entry.
  const tsx = import.meta.resolve('tsx/esm/api')
  const boot = `import { register } from ${JSON.stringify(tsx)}
register()
await import(${JSON.stringify(entry.href)})`
  return new Worker(new URL('data:text/javascript,' + encodeURIComponent(boot)), options)
}
