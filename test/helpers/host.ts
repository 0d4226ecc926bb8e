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
let filePool: WorkerPool | undefined

/**
 * Ends the file's shared pool: test/helpers/per-file.ts (a setup file, run for every test file)
 * calls it after each file, as this module is imported once per test process, not once per file.
 */
export async function endFilePool(): Promise<void> {
  const pool = filePool
  filePool = undefined
  await pool?.[Symbol.asyncDispose]()
}

/**
 * The pool the hosts of one test file share: one worker, no spare, started once per file (ended
 * when the file ends). For a test that calls createHost itself, as `sharedPool`.
 */
export function filePoolOf(): WorkerPool {
  return (filePool ??= createPool({
    workers: 1,
    warmSpare: false,
    logger: createLogger((l) => openLogs.forEach((logs) => logs.push(l))),
  }))
}

/**
 * The pool the hosts of one test file share, when a host would get the default one: a worker
 * and a scanner started once per file instead of once per host. A host with pool options of its
 * own, or with egress settings in its fnhost.json (a pool's drivers carry them), gets its own.
 */
async function sharedPoolFor(
  options: Omit<HostOptions, 'logger'>,
): Promise<WorkerPool | undefined> {
  if (options.pool || options.sharedPool) return options.sharedPool
  const config = mergeHostConfig(await readHostConfig(options.dir), options.config ?? {})
  if (config.fetch) return undefined
  return filePoolOf()
}

/** A host over `options.dir`, logging into `logs`, on this file's shared pool when it can be. */
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
