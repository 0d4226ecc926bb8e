import { createHost, type Host, type HostOptions } from '../../host/host.js'
import { mergeHostConfig, readHostConfig } from '../../host/host-config.js'
import { createLogger, type LogLine } from '../../host/observe/log.js'
import { createPool, type WorkerPool } from '../../host/pool/index.js'
import { serve, type RunningServer } from '../../host/server.js'

export type Call = (path: string, init?: RequestInit) => Promise<Response>

export interface TestHost extends AsyncDisposable {
  host: Host
  call: Call
  logs: LogLine[]
  /** The real server's port ('real server' transport), for clients below fetch (raw sockets). */
  port?: number
}

/**
 * The host under test, reached either through `app.request()` or a real server on port 0: every
 * behaviour test runs both ways.
 */
export const transports = ['app.request', 'real server'] as const
export type Transport = (typeof transports)[number]

/** The logs of the hosts open now: what the shared pool logs (a worker's crash) goes to each. */
const openLogs = new Set<LogLine[]>()
let testPool: WorkerPool | undefined

/**
 * After each test file (test/helpers/per-file.ts, a setup file): the shared pool stays for the next
 * file in this process if the file left it idle (no host open, no function loaded, nothing running
 * or queued), and is ended otherwise, so a file never inherits another's leftover work (a loop
 * still running, a function still loaded). Starting a pool costs its worker and its scanner, ~0.4
 * CPU-s; more than half of the files use one, file after file in each process of the parallel group.
 */
export async function afterTestFile(): Promise<void> {
  const pool = testPool
  if (!pool) return
  const { functions, inFlight, queued, workers } = pool.stats()
  if (openLogs.size === 0 && functions === 0 && inFlight === 0 && queued === 0 && workers > 0)
    return
  testPool = undefined
  await pool[Symbol.asyncDispose]()
}

/**
 * The pool the hosts of this test process share: one worker, no spare, started once and kept
 * from file to file while each leaves it idle (see afterTestFile). For a test that calls
 * createHost itself, as `sharedPool`.
 */
export function sharedTestPool(): WorkerPool {
  return (testPool ??= createPool({
    workers: 1,
    warmSpare: false,
    logger: createLogger((l) => openLogs.forEach((logs) => logs.push(l))),
  }))
}

/**
 * The pool the hosts of this test process share, when a host would get the default one: a worker
 * and a scanner started once, not once per host. A host with pool options of its
 * own, or with egress settings in its fnhost.json (a pool's drivers carry them), gets its own.
 */
async function sharedPoolFor(
  options: Omit<HostOptions, 'logger'>,
): Promise<WorkerPool | undefined> {
  if (options.pool || options.sharedPool) return options.sharedPool
  const config = mergeHostConfig(await readHostConfig(options.dir), options.config ?? {})
  if (config.fetch) return undefined
  return sharedTestPool()
}

/** A host over `options.dir`, logging into `logs`, on the shared test pool when it can be. */
export async function startHost(
  transport: Transport,
  options: Omit<HostOptions, 'logger'>,
): Promise<TestHost> {
  const logs: LogLine[] = []
  const host = await createHost({
    watch: false,
    ...options,
    // One worker and no spare: tests start many hosts; those about workers set their own.
    pool: { workers: 1, warmSpare: false, ...options.pool },
    sharedPool: await sharedPoolFor(options),
    logger: createLogger((l) => logs.push(l)),
  })
  openLogs.add(logs)
  let server: RunningServer | undefined
  let call: Call
  if (transport === 'real server') {
    server = await serve({ fetch: host.fetch, port: 0, host: '127.0.0.1' })
    const base = server.url
    call = (path, init) => fetch(base + path, init)
  } else {
    call = async (path, init) => host.app.request(path, init)
  }
  return {
    host,
    call,
    logs,
    port: server && Number(new URL(server.url).port),
    async [Symbol.asyncDispose]() {
      await server?.close()
      await host[Symbol.asyncDispose]()
      openLogs.delete(logs)
    },
  }
}
