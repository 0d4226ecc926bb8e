import type { Context } from 'hono'
import type { IncomingMessage } from 'node:http'

/** The peer address of the connection, when the request came through @hono/node-server. */
export function clientAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: IncomingMessage } | undefined
  return env?.incoming?.socket?.remoteAddress
}
