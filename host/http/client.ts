import type { Context } from 'hono'
import type { IncomingMessage, ServerResponse } from 'node:http'

type NodeEnv = { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined

/** The peer address of the connection, when the request came through @hono/node-server. */
export function clientAddress(c: Context): string | undefined {
  return (c.env as NodeEnv)?.incoming?.socket?.remoteAddress
}

const signals = new WeakMap<ServerResponse, AbortSignal>()

/**
 * Aborted when the client goes away before its answer is written. Through @hono/node-server it
 * listens to the Node response itself: reading `signal` off node-server's lazy Request would
 * build a whole undici Request (URL, headers, body stream) per request just for this. Elsewhere
 * (`app.request()`), the Request's own signal.
 */
export function clientSignal(c: Context): AbortSignal {
  const outgoing = (c.env as NodeEnv)?.outgoing
  if (!outgoing) return c.req.raw.signal
  let signal = signals.get(outgoing)
  if (!signal) {
    const ctrl = new AbortController()
    outgoing.once('close', () => {
      if (!outgoing.writableFinished) ctrl.abort(new Error('the client went away'))
    })
    signals.set(outgoing, (signal = ctrl.signal))
  }
  return signal
}
