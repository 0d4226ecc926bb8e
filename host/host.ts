import { recoverChanges } from './admin/store.js'
import type { createApp } from './app.js'
import { dataDir, resolveKvSettings } from './kv/options.js'
import type { KvStore } from './kv/store.js'
import { createGate } from './auth/gate.js'
import { signKeyFrom } from './auth/keys.js'
import type { ResolvedConfig } from './config.js'
import { mergeHostConfig, readHostConfig, type HostConfig } from './host-config.js'
import type { Logger } from './observe/log.js'
import { Observation, type AppObserve, type ObserveSetupOptions } from './observation.js'
import { createPool, poolDefaults, type PoolOptions, type WorkerPool } from './pool/index.js'
import { Registry } from './registry/registry.js'
import { traceStart } from './observe/start-trace.js'

export interface HostOptions extends Omit<ObserveSetupOptions, 'logger'> {
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
  /** Config every function gets over its own (`fnhost invoke --board`). */
  overrides?: Partial<ResolvedConfig>
  /** The key-value store (fnhost.json `kv`, overridden by `config.kv`); `false` gives none. */
  kv?: false
  /** The data folder (`--data`); default: `.fnhost-data` beside the functions folder. */
  dataDir?: string
  /**
   * Load the functions right after the first scan when there are at most this many (default 0:
   * each loads on its first request). `fnhost serve` sets it: the first request of a small
   * folder then finds its function loaded, or loading since the scan, instead of starting the
   * load itself; a large folder loads on demand, so no first request waits behind many loads.
   */
  preload?: number
  /**
   * Called once the first scan's first check is on its way to its worker: the caller's own start-up
   * work (`fnhost serve` loads its HTTP adapter) then runs while the worker checks, as the app's
   * modules do, instead of in front of the scan.
   */
  whileChecking?: () => void
}

export interface Host extends AsyncDisposable {
  readonly registry: Registry
  readonly pool: WorkerPool
  /** fnhost.json with the overrides applied. */
  readonly config: HostConfig
  readonly app: ReturnType<typeof createApp>
  /** `env`: the server's bindings (@hono/node-server passes the socket's request and response). */
  readonly fetch: (req: Request, env?: unknown) => Response | Promise<Response>
  /** Metrics, recent logs and triggers. */
  readonly observe: AppObserve
  /** The host's own connection to the store (management API), when it has one. */
  readonly kv?: KvStore
}

let appModule: Promise<typeof import('./app.js')> | undefined

/**
 * The app's modules (Hono, the routes, the management API, the dashboard) are not needed before
 * the first scan is done: they load once it has sent its first check to the scanner's worker,
 * while the main thread waits for the answer, instead of in front of the scan.
 */
function loadApp(): Promise<typeof import('./app.js')> {
  return (appModule ??= import('./app.js'))
}

/** Loads every function that scanned well, if there are at most `max` (HostOptions.preload). */
function preload(registry: Registry, max: number): void {
  const slots = registry.list().filter((s) => s.spec)
  if (slots.length === 0 || slots.length > max) return
  // A failure is remembered by the slot and answered to the function's first request.
  for (const slot of slots) void slot.preload(registry.loader)
}

/** A functions folder, scanned and (optionally) watched, behind the Hono app. */
export async function createHost(options: HostOptions): Promise<Host> {
  const config = mergeHostConfig(await readHostConfig(options.dir), options.config ?? {})
  // One admin key guards the management API, the logs, the triggers and (optionally) metrics.
  traceStart('config read')
  const adminKey = config.admin?.key ?? options.adminKey
  const observation = new Observation({ ...options, adminKey })
  const logger = observation.logger
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
  traceStart('pool created')
  const pool = options.sharedPool ?? (owned as WorkerPool)
  const kv =
    options.kv === false
      ? undefined
      : resolveKvSettings(config.kv, dataDir(options.dir, options.dataDir))
  // The first scan's checks run on the pool's first worker (WorkerPool.inspectFirst).
  let firstScan = owned?.inspectFirst
  const registry = new Registry({
    dir: options.dir,
    // Specs carry the store's settings to the worker that loads them (host/kv/grants.ts).
    loader: observation.loader(kv ? (spec) => pool.load({ ...spec, kv }) : pool.load),
    inspector: (file, bytes, hints) => {
      const checked = (firstScan ?? pool.inspect)(file, bytes, hints)
      // After this check is on its way to its worker (see loadApp).
      setImmediate(loadApp)
      if (options.whileChecking) setImmediate(options.whileChecking)
      return checked
    },
    logger,
    watch: options.files ? false : (options.watch ?? true),
    files: options.files,
    defaults: config.limits,
    overrides: options.overrides,
  })
  // The store's backends (a Redis client, SQLite) load while the first scan waits on its worker.
  const backends = kv && import('./kv/backends.js')
  // Awaited below, unless the scan fails first.
  backends?.catch(() => undefined)
  try {
    await recoverChanges(registry.dir, logger)
    await registry.start()
    firstScan = undefined
    traceStart('scan done')
    preload(registry, options.preload ?? 0)
  } catch (e) {
    observation[Symbol.dispose]()
    await owned?.[Symbol.asyncDispose]()
    throw e
  }
  const kvStore = kv && (await backends)?.openKvStore(kv)
  const { createApp } = await loadApp()
  const observe = observation.start(registry, pool)
  const app = createApp({
    registry,
    logger,
    accessLog: options.accessLog,
    gate,
    observe,
    ui: {
      pool: () => pool.stats(),
      sandboxBudgetMb: options.pool?.maxSandboxMemoryMb ?? poolDefaults().maxSandboxMemoryMb,
    },
    admin: {
      key: adminKey,
      dev: options.dev,
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
    observe,
    kv: kvStore,
    fetch: (req, env) => app.fetch(req, env),
    async [Symbol.asyncDispose]() {
      observation[Symbol.dispose]()
      await registry[Symbol.asyncDispose]()
      await owned?.[Symbol.asyncDispose]()
      await kvStore?.[Symbol.asyncDispose]()
    },
  }
}
