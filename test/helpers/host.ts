import { createHost, type Host, type HostOptions } from '../../host/host.js'
import { createLogger, type LogLine } from '../../host/observe/log.js'
import { serve, type RunningServer } from '../../host/server.js'

export type Call = (path: string, init?: RequestInit) => Promise<Response>

export interface TestHost extends AsyncDisposable {
  host: Host
  call: Call
  logs: LogLine[]
}

/**
 * The host under test, reached either through `app.request()` or a real server on port 0: every
 * behaviour test runs both ways.
 */
export const transports = ['app.request', 'real server'] as const
export type Transport = (typeof transports)[number]

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
    logger: createLogger((l) => logs.push(l)),
  })
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
    async [Symbol.asyncDispose]() {
      await server?.close()
      await host[Symbol.asyncDispose]()
    },
  }
}
