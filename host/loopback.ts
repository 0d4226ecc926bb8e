import type { Context } from 'hono'
import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms: addresses only this machine can reach. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '')
  const v4 = a.startsWith('::ffff:') ? a.slice('::ffff:'.length) : a
  if (isIP(v4) === 4) return v4.split('.')[0] === '127'
  if (isIP(a) !== 6) return false
  // The URL parser writes IPv6 in its shortest form: ::1, and ::ffff:7fxx:xxxx for mapped 127/8.
  const canon = new URL(`http://[${a}]/`).hostname.slice(1, -1)
  return canon === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(canon)
}

/** A Host header that names this machine: `localhost` or a loopback literal, any port. */
function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]
  return name === 'localhost' || (name !== undefined && isLoopbackAddress(name))
}

/**
 * Why a request may not use `--dev`'s keyless access, or undefined when it may. Beside the bind
 * address (serve refuses a non-loopback --host), every request is checked: it came over a
 * loopback connection; its Host names this machine (a DNS-rebinding page on another name gets
 * nothing); and a browser request is same-origin (a page on another site cannot drive the API
 * through the user's browser: keyless, a plain cross-site POST would otherwise run functions).
 */
export function devAccessRefusal(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  const socket = incoming?.socket
  if (!socket?.localAddress || !socket.remoteAddress) return 'not a network connection'
  if (!isLoopbackAddress(socket.localAddress) || !isLoopbackAddress(socket.remoteAddress))
    return 'not a loopback connection'
  const host = c.req.header('host') ?? ''
  if (!isLoopbackHost(host)) return `the Host header ${JSON.stringify(host)} is not loopback`
  const origin = c.req.header('origin')
  if (origin !== undefined && origin !== `http://${host}`) return 'a cross-origin request'
  const site = c.req.header('sec-fetch-site')
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return 'a cross-site request'
  return undefined
}
