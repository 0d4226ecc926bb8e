import { poolDefaults } from '../pool/options.js'
import { earlyStarted, startEarlyWorker } from '../pool/start-worker.js'
import { firstWorkerConfig, workerConfig } from '../pool/worker-config.js'

/**
 * What `fnhost serve` starts before the rest of the host has loaded: its first pool worker, as a
 * pool with the default options starts it (it also runs the first scan's checks, see
 * WorkerPool.inspectFirst). The thread boots in parallel with the main thread loading the host's
 * modules and reading the config, instead of after them; a host whose config gives its workers
 * other options starts its own (host/pool/start-worker.ts).
 */
export function startEarly(): void {
  // The single binary started it before the CLI's bundle loaded (host/code-cache.ts).
  if (earlyStarted()) return
  const options = poolDefaults()
  const config = workerConfig(options)
  startEarlyWorker(firstWorkerConfig(config), options.workerHeapMb)
}
