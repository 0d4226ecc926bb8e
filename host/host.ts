import { recoverChanges } from './admin/store.js'
import { createApp } from './app.js'
import { signKeyFrom } from './auth/keys.js'
import { createGate } from './auth/gate.js'
import { mergeHostConfig, readHostConfig, type HostConfig } from './host-config.js'
import { createLogger, type Logger } from './observe/log.js'
import { createPool, type WorkerPool } from './pool/index.js'
import { Registry } from './registry/registry.js'
import { loadInProcess } from './sandbox/index.js'
import type { FunctionLoader } from './sandbox/types.js'

export interface HostOptions {
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
  /** Overrides of the folder's fnhost.json (environment variables, CLI flags), key by key. */
  config?: HostConfig
}

export interface Host extends AsyncDisposable {
  readonly registry: Registry
  /** fnhost.json with the overrides applied. */
  readonly config: HostConfig
  readonly app: ReturnType<typeof createApp>
  readonly fetch: (req: Request) => Response | Promise<Response>
}

/** A functions folder, scanned and (optionally) watched, behind the Hono app. */
export async function createHost(options: HostOptions): Promise<Host> {
  const logger = options.logger ?? createLogger()
  const config = mergeHostConfig(await readHostConfig(options.dir), options.config ?? {})
  const gate = await createGate(config, options.dir)
  const signKey = await signKeyFrom(config.auth, options.dir)
  const workers = options.workers ?? 0
  let pool: WorkerPool | undefined
  if (!options.loader && workers > 0) pool = createPool({ workers, logger })
  const registry = new Registry({
    dir: options.dir,
    loader: options.loader ?? pool?.load ?? loadInProcess,
    logger,
    watch: options.watch ?? true,
    defaults: config.limits,
  })
  try {
    await recoverChanges(registry.dir, logger)
    await registry.start()
  } catch (e) {
    await pool?.[Symbol.asyncDispose]()
    throw e
  }
  const app = createApp({
    registry,
    logger,
    accessLog: options.accessLog,
    gate,
    admin: {
      key: config.admin?.key,
      limits: config.admin?.maxUploadBytes,
      signKey,
      auth: config.auth,
    },
  })
  return {
    registry,
    config,
    app,
    fetch: (req) => app.fetch(req),
    async [Symbol.asyncDispose]() {
      await registry[Symbol.asyncDispose]()
      await pool?.[Symbol.asyncDispose]()
    },
  }
}
