import { createApp } from './app.js'
import type { Logger } from './observe/log.js'
import { Observation, type AppObserve, type ObserveSetupOptions } from './observe/setup.js'
import { createPool, type PoolOptions, type WorkerPool } from './pool/index.js'
import { Registry } from './registry/registry.js'
import { loadInProcess } from './sandbox/index.js'
import type { FunctionLoader } from './sandbox/types.js'

export interface HostOptions extends Omit<ObserveSetupOptions, 'logger'> {
  dir: string
  watch?: boolean
  logger?: Logger
  accessLog?: boolean
  /** How functions are loaded; overrides `workers`. */
  loader?: FunctionLoader
  /**
   * Worker threads that run the sandboxes under the watchdog; 0 (the default for embedding and
   * tests) runs them on this thread, where a wasm loop or a long native built-in cannot be stopped.
   */
  workers?: number
  /** Admission bounds and other pool settings, when `workers` > 0. */
  pool?: Omit<PoolOptions, 'workers' | 'logger'>
}

export interface Host extends AsyncDisposable {
  readonly registry: Registry
  readonly app: ReturnType<typeof createApp>
  /** `env`: the server's bindings (@hono/node-server passes the socket's request and response). */
  readonly fetch: (req: Request, env?: unknown) => Response | Promise<Response>
  /** Metrics, recent logs and triggers. */
  readonly observe: AppObserve
}

/** A functions folder, scanned and (optionally) watched, behind the Hono app. */
export async function createHost(options: HostOptions): Promise<Host> {
  const observation = new Observation(options)
  const logger = observation.logger
  const workers = options.workers ?? 0
  let pool: WorkerPool | undefined
  if (!options.loader && workers > 0) pool = createPool({ ...options.pool, workers, logger })
  const registry = new Registry({
    dir: options.dir,
    loader: observation.loader(options.loader ?? pool?.load ?? loadInProcess),
    logger,
    watch: options.watch ?? true,
  })
  try {
    await registry.start()
  } catch (e) {
    await pool?.[Symbol.asyncDispose]()
    throw e
  }
  const observe = observation.start(registry, pool)
  const app = createApp({ registry, logger, accessLog: options.accessLog, observe })
  return {
    registry,
    app,
    observe,
    fetch: (req, env) => app.fetch(req, env),
    async [Symbol.asyncDispose]() {
      observation[Symbol.dispose]()
      await registry[Symbol.asyncDispose]()
      await pool?.[Symbol.asyncDispose]()
    },
  }
}
