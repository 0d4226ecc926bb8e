import { recoverChanges } from './admin/store.js'
import { createApp } from './app.js'
import { openKvStore } from './kv/backends.js'
import { dataDir, resolveKvSettings } from './kv/options.js'
import type { KvStore } from './kv/store.js'
import { createGate } from './auth/gate.js'
import { signKeyFrom } from './auth/keys.js'
import { mergeHostConfig, readHostConfig, type HostConfig } from './host-config.js'
import { createLogger, type Logger } from './observe/log.js'
import { createPool, type PoolOptions, type WorkerPool } from './pool/index.js'
import { Registry } from './registry/registry.js'

export interface HostOptions {
  dir: string
  watch?: boolean
  logger?: Logger
  accessLog?: boolean
  /**
   * The worker pool every guest runs in, under the watchdog (workers, drivers' egress policy,
   * limits). There is no in-process mode: on the main thread nothing could stop a wasm loop or a
   * long native built-in, so every host, embedded or not, keeps the same guarantees.
   */
  pool?: PoolOptions
  /** A pool this host uses but does not own (several hosts in one process): `pool` is ignored. */
  sharedPool?: WorkerPool
  /** Serve only these files of `dir` (absolute paths), without watching: `fnhost invoke`. */
  files?: string[]
  /** Overrides of the folder's fnhost.json (environment variables, CLI flags), key by key. */
  config?: HostConfig
  /** The key-value store (fnhost.json `kv`, overridden by `config.kv`); `false` gives none. */
  kv?: false
  /** The data folder (`--data`); default: `.fnhost-data` beside the functions folder. */
  dataDir?: string
}

export interface Host extends AsyncDisposable {
  readonly registry: Registry
  readonly pool: WorkerPool
  /** fnhost.json with the overrides applied. */
  readonly config: HostConfig
  readonly app: ReturnType<typeof createApp>
  readonly fetch: (req: Request, env?: unknown) => Response | Promise<Response>
  /** The host's own connection to the store (management API), when it has one. */
  readonly kv?: KvStore
}

/** A functions folder, scanned and (optionally) watched, behind the Hono app. */
export async function createHost(options: HostOptions): Promise<Host> {
  const logger = options.logger ?? createLogger()
  const config = mergeHostConfig(await readHostConfig(options.dir), options.config ?? {})
  const gate = await createGate(config, options.dir)
  const signKey = await signKeyFrom(config.auth, options.dir)
  const egress = config.fetch?.allowPrivate ? { allow: config.fetch.allowPrivate } : undefined
  const owned = options.sharedPool
    ? undefined
    : createPool({
        logger,
        ...options.pool,
        drivers: { egress, ...options.pool?.drivers },
      })
  const pool = options.sharedPool ?? (owned as WorkerPool)
  const kv =
    options.kv === false
      ? undefined
      : resolveKvSettings(config.kv, dataDir(options.dir, options.dataDir))
  const registry = new Registry({
    dir: options.dir,
    // Specs carry the store's settings to the worker that loads them (host/kv/grants.ts).
    loader: kv ? (spec) => pool.load({ ...spec, kv }) : pool.load,
    inspector: pool.inspect,
    logger,
    watch: options.files ? false : (options.watch ?? true),
    files: options.files,
    defaults: config.limits,
  })
  try {
    await recoverChanges(registry.dir, logger)
    await registry.start()
  } catch (e) {
    await owned?.[Symbol.asyncDispose]()
    throw e
  }
  const kvStore = kv && openKvStore(kv)
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
      kv: kvStore,
    },
  })
  return {
    registry,
    pool,
    config,
    app,
    kv: kvStore,
    fetch: (req, env) => app.fetch(req, env),
    async [Symbol.asyncDispose]() {
      await registry[Symbol.asyncDispose]()
      await owned?.[Symbol.asyncDispose]()
      await kvStore?.[Symbol.asyncDispose]()
    },
  }
}
