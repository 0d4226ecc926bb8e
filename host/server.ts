import { createServer, STATUS_CODES, type RequestListener } from 'node:http'
import { randomUUID } from 'node:crypto'
import type { Duplex } from 'node:stream'
import { errorBody, FnhostError, type ErrorCode } from './errors.js'
import type { AddressInfo } from 'node:net'

export const SERVER_LIMITS = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 60_000,
  maxHeaderSize: 16 * 1024,
  /** How long a shutdown waits for in-flight requests before closing their connections. */
  drainTimeoutMs: 30_000,
  /**
   * How often Node checks the two timeouts above; its default (30 s) let a slow client hold a
   * connection for up to 50 s against a 20 s limit.
   */
  timeoutCheckMs: 1_000,
}

export type ServerLimits = typeof SERVER_LIMITS

export interface ServeOptions {
  fetch: (req: Request, env?: unknown) => Response | Promise<Response>
  port: number
  host: string
  limits?: Partial<ServerLimits>
}

export interface RunningServer extends AsyncDisposable {
  readonly url: string
  readonly port: number
  /** Stops accepting connections and resolves when in-flight requests have finished. */
  close(): Promise<void>
  /**
   * Loads the HTTP adapter (@hono/node-server) now, if no request has yet: a start calls it when
   * its main thread would otherwise wait (host/cli/serve.ts).
   */
  prepare(): Promise<void>
}

export class ListenError extends Error {
  override readonly name = 'ListenError'
}

/**
 * Starts a Node HTTP server with Node's timeouts set, answering through @hono/node-server's
 * listener (as its createAdaptorServer does); Node's http types stay in this file. The socket
 * listens at once; the adapter, which makes Node load its fetch classes (~20-30 ms of a start's
 * main thread), loads on prepare() or on the first request, which waits for it.
 */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const limits = { ...SERVER_LIMITS, ...options.limits }
  let handle: RequestListener | undefined
  let adapter: Promise<RequestListener> | undefined
  const load = () =>
    (adapter ??= import('@hono/node-server').then(
      ({ getRequestListener }) => (handle = getRequestListener(options.fetch)),
    ))
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      maxHeaderSize: limits.maxHeaderSize,
      connectionsCheckingInterval: limits.timeoutCheckMs,
    },
    (req, res) => {
      if (handle) return void handle(req, res)
      void load().then(
        (listener) => listener(req, res),
        () => res.destroy(),
      )
    },
  )
  server.on('clientError', answerClientError)
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
      const force = setTimeout(() => server.closeAllConnections(), limits.drainTimeoutMs)
      // Keep-alive connections turn idle as their last response goes out; close them as they do.
      const sweep = setInterval(() => server.closeIdleConnections(), 50)
      server.close(() => {
        clearTimeout(force)
        clearInterval(sweep)
        resolve()
      })
    }))
  return {
    url: `http://${host}:${port}`,
    port,
    close,
    prepare: () => load().then(() => undefined),
    [Symbol.asyncDispose]: close,
  }
}

/** What Node's parser refused, as the host's error schema (Node's default is a bare status line). */
const CLIENT_ERRORS: Record<string, [ErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: [
    'HEADERS_TOO_LARGE',
    'the request headers are larger than this host accepts',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: ['REQUEST_TIMEOUT', 'the request did not arrive in time'],
}

function answerClientError(e: NodeJS.ErrnoException, socket: Duplex): void {
  if (e.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy()
    return
  }
  const [code, message] = CLIENT_ERRORS[e.code ?? ''] ?? [
    'BAD_REQUEST',
    'the request is not valid HTTP/1.1',
  ]
  const requestId = randomUUID()
  const err = new FnhostError(code, message)
  const body = JSON.stringify(errorBody(err, requestId))
  socket.end(
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? ''}\r\n` +
      'content-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${requestId}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  )
}
