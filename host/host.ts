import { createApp } from './app.js'
import { closeThreadKvStores, openKvStore } from './kv/backends.js'
import { dataDir, resolveKvSettings, type KvOptions } from './kv/options.js'
import type { KvStore } from './kv/store.js'
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
  /** The key-value store (fnhost.json `kv`); `false` gives functions none. */
  kv?: KvOptions | false
  /** The data folder (`--data`); default: `.fnhost-data` beside the functions folder. */
  dataDir?: string
}

export interface Host extends AsyncDisposable {
  readonly registry: Registry
  readonly app: ReturnType<typeof createApp>
  readonly fetch: (req: Request) => Response | Promise<Response>
  /** The host's own connection to the store (management API), when it has one. */
  readonly kv?: KvStore
}

/** A functions folder, scanned and (optionally) watched, behind the Hono app. */
export async function createHost(options: HostOptions): Promise<Host> {
  const logger = options.logger ?? createLogger()
  const workers = options.workers ?? 0
  let pool: WorkerPool | undefined
  if (!options.loader && workers > 0) pool = createPool({ workers, logger })
  const kv =
    options.kv === false
      ? undefined
      : resolveKvSettings(options.kv, dataDir(options.dir, options.dataDir))
  const load = options.loader ?? pool?.load ?? loadInProcess
  const registry = new Registry({
    dir: options.dir,
    // Specs carry the store's settings to whichever thread loads them (host/kv/grants.ts).
    loader: kv ? (spec) => load({ ...spec, kv }) : load,
    logger,
    watch: options.watch ?? true,
  })
  try {
    await registry.start()
  } catch (e) {
    await pool?.[Symbol.asyncDispose]()
    throw e
  }
  const app = createApp({ registry, logger, accessLog: options.accessLog })
  const kvStore = kv && openKvStore(kv)
  return {
    registry,
    app,
    kv: kvStore,
    fetch: (req) => app.fetch(req),
    async [Symbol.asyncDispose]() {
      await registry[Symbol.asyncDispose]()
      await pool?.[Symbol.asyncDispose]()
      await kvStore?.[Symbol.asyncDispose]()
      // Functions loaded on this thread (no worker pool) opened their own connections.
      if (workers === 0) await closeThreadKvStores()
    },
  }
}
