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
  /**
   * Addresses guests may reach although they are not public: an IP ('127.0.0.1', '::1') for any
   * port, or one port of it ('127.0.0.1:8081', '[::1]:8081').
   */
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
  const allowed = new Set((options.allow ?? []).map(canonicalEntry))
  if (allowed.size > 0) {
    const policy: AddressPolicy = (address, family, port) => {
      const ip = canonicalIp(address)
      if (allowed.has(ip) || allowed.has(`${ip}:${port}`)) return undefined
      return checkPublic(address, family, port)
    }
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

/** 'ip' or 'ip:port' ('[v6]:port'), with the IP in its canonical spelling. */
function canonicalEntry(entry: string): string {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry)
  if (v6) return canonicalIp(v6[1] as string) + (v6[2] ? `:${v6[2]}` : '')
  const v4 = /^([^:]+):(\d+)$/.exec(entry)
  if (v4) return `${canonicalIp(v4[1] as string)}:${v4[2]}`
  return canonicalIp(entry)
}

function canonicalIp(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '')
  return isIP(bare) === 6 ? new URL(`http://[${bare}]/`).hostname.slice(1, -1) : bare
}
