import type { Context } from 'hono'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

type NodeEnv = { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined

/** The peer address of the connection, when the request came through @hono/node-server. */
export function clientAddress(c: Context): string | undefined {
  return (c.env as NodeEnv)?.incoming?.socket?.remoteAddress
}

interface Connection {
  signal: AbortSignal
  /** The newest answer on this connection: answers go out in order, so earlier ones are done. */
  latest: ServerResponse
}

const connections = new WeakMap<Socket, Connection>()

/**
 * Aborted when the client goes away before its answer is written. Through @hono/node-server it
 * listens to the connection itself: reading `signal` off node-server's lazy Request would build a
 * whole undici Request (URL, headers, body stream) per request just for this, and making an
 * AbortSignal costs microseconds, so the requests of one keep-alive connection share one (a
 * request whose answer is done has stopped listening to it). Elsewhere (`app.request()`), the
 * Request's own signal.
 */
export function clientSignal(c: Context): AbortSignal {
  const env = c.env as NodeEnv
  const outgoing = env?.outgoing
  // The request's socket: a pipelined answer waiting its turn has none yet.
  const socket = env?.incoming?.socket
  if (!outgoing || !socket) return c.req.raw.signal
  let connection = connections.get(socket)
  if (!connection) {
    const ctrl = new AbortController()
    const opened: Connection = { signal: ctrl.signal, latest: outgoing }
    socket.once('close', () => {
      if (!opened.latest.writableFinished) ctrl.abort(new Error('the client went away'))
    })
    connections.set(socket, (connection = opened))
  } else connection.latest = outgoing
  return connection.signal
}
