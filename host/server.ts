import { createAdaptorServer } from '@hono/node-server'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export const SERVER_LIMITS = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 60_000,
  maxHeaderSize: 16 * 1024,
  /** How long a shutdown waits for in-flight requests before closing their connections. */
  drainTimeoutMs: 30_000,
}

export interface ServeOptions {
  fetch: (req: Request) => Response | Promise<Response>
  port: number
  host: string
  /** Overrides SERVER_LIMITS.drainTimeoutMs (`--grace-ms`). */
  drainTimeoutMs?: number
}

export interface RunningServer extends AsyncDisposable {
  readonly url: string
  readonly port: number
  /** Stops accepting connections and resolves when in-flight requests have finished. */
  close(): Promise<void>
}

export class ListenError extends Error {
  override readonly name = 'ListenError'
}

/** Starts @hono/node-server with Node's timeouts set; Node's http types stay in this file. */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const server = createAdaptorServer({
    fetch: options.fetch,
    serverOptions: {
      headersTimeout: SERVER_LIMITS.headersTimeoutMs,
      requestTimeout: SERVER_LIMITS.requestTimeoutMs,
      maxHeaderSize: SERVER_LIMITS.maxHeaderSize,
    },
  }) as Server
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      const where = `${options.host}:${options.port}`
      if (e.code === 'EADDRINUSE')
        reject(
          new ListenError(
            `port ${options.port} is already in use (${where}); pick another with --port`,
          ),
        )
      else if (e.code === 'EACCES') reject(new ListenError(`not allowed to listen on ${where}`))
      else reject(new ListenError(`cannot listen on ${where}: ${e.message}`))
    }
    server.once('error', onError)
    server.listen(options.port, options.host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  let closing: Promise<void> | undefined
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      const grace = options.drainTimeoutMs ?? SERVER_LIMITS.drainTimeoutMs
      const force = setTimeout(() => server.closeAllConnections(), grace)
      // Keep-alive connections turn idle as their last response goes out; close them as they do.
      const sweep = setInterval(() => server.closeIdleConnections(), 50)
      server.close(() => {
        clearTimeout(force)
        clearInterval(sweep)
        resolve()
      })
    }))
  return { url: `http://${host}:${port}`, port, close, [Symbol.asyncDispose]: close }
}
