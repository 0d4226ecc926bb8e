import { isIP } from 'node:net'
import {
  checkPublic,
  OUTBOUND_DEFAULTS,
  type AddressPolicy,
  type Lookup,
  type OutboundOptions,
} from './outbound.js'

/**
 * Where guest fetch() may go, as plain options (fnhost.json `fetch`, the pool's driver options).
 * By default only public addresses; `allow` names the private ones a host opens on purpose (a
 * local service in development, the bench's upstream).
 */
export interface EgressOptions {
  /** IP addresses guests may reach although they are not public ('127.0.0.1', '::1'). */
  allow?: string[]
  /** Names answered without DNS: name -> IP address (local test names). */
  hosts?: Record<string, string>
  timeoutMs?: number
  maxRedirects?: number
  maxResponseBytes?: number
  /** Subrequests allowed per invocation. */
  maxSubrequests?: number
}

export interface ResolvedEgress {
  outbound: Partial<OutboundOptions>
  maxSubrequests: number
}

export function resolveEgress(options: EgressOptions = {}): ResolvedEgress {
  const outbound: Partial<OutboundOptions> = {}
  const allowed = new Set((options.allow ?? []).map(canonicalIp))
  if (allowed.size > 0) {
    const policy: AddressPolicy = (address, family) =>
      allowed.has(canonicalIp(address)) ? undefined : checkPublic(address, family)
    outbound.policy = policy
  }
  const hosts = options.hosts
  if (hosts) {
    const lookup: Lookup = async (hostname) => {
      const address = hosts[hostname]
      if (address === undefined)
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
      return [{ address, family: isIP(address) === 6 ? 6 : 4 }]
    }
    outbound.lookup = lookup
  }
  if (options.timeoutMs !== undefined) outbound.timeoutMs = options.timeoutMs
  if (options.maxRedirects !== undefined) outbound.maxRedirects = options.maxRedirects
  if (options.maxResponseBytes !== undefined) outbound.maxResponseBytes = options.maxResponseBytes
  return { outbound, maxSubrequests: options.maxSubrequests ?? OUTBOUND_DEFAULTS.maxSubrequests }
}

function canonicalIp(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '')
  return isIP(bare) === 6 ? new URL(`http://[${bare}]/`).hostname.slice(1, -1) : bare
}
