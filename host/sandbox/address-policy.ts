import { BlockList } from 'node:net'

/*
 * Which addresses a guest's outgoing request may reach: by default only globally routable unicast
 * ones. Every range below is named, so a refusal says why (a 'loopback', a 'link-local' address).
 */

/** Why an address may not be contacted (a phrase such as 'loopback'), or undefined if it may. */
export type AddressPolicy = (address: string, family: 4 | 6, port?: number) => string | undefined

const V4_RANGES: [string, number, string][] = [
  ['0.0.0.0', 8, 'this-network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF special-purpose'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
]

const V6_RANGES: [string, number, string][] = [
  ['::1', 128, 'loopback'],
  ['::', 128, 'unspecified'],
  ['::', 96, 'IPv4-compatible'],
  ['::ffff:0:0', 96, 'IPv4-mapped'],
  ['::ffff:0:0:0', 96, 'IPv4-translated'],
  ['64:ff9b::', 96, 'NAT64'],
  ['64:ff9b:1::', 48, 'NAT64'],
  ['100::', 64, 'discard-only'],
  ['2001:db8::', 32, 'documentation'],
  ['2001::', 23, 'IETF special-purpose'],
  ['2002::', 16, '6to4'],
  ['fc00::', 7, 'unique local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
]

function blockLists(ranges: [string, number, string][], type: 'ipv4' | 'ipv6') {
  return ranges.map(([net, prefix, why]) => {
    const list = new BlockList()
    list.addSubnet(net, prefix, type)
    return { list, why }
  })
}

const V4_BLOCKED = blockLists(V4_RANGES, 'ipv4')
const V6_BLOCKED = blockLists(V6_RANGES, 'ipv6')

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), in any spelling. */
function mappedV4(address: string): string | undefined {
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1)
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical)
  if (!m) return undefined
  const hi = parseInt(m[1]!, 16)
  const lo = parseInt(m[2]!, 16)
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
}

/** The default policy: only globally routable unicast addresses. */
export const checkPublic: AddressPolicy = (address, family) => {
  if (family === 6) {
    const v4 = mappedV4(address)
    if (v4) return checkPublic(v4, 4)
  }
  const type = family === 4 ? 'ipv4' : 'ipv6'
  for (const r of family === 4 ? V4_BLOCKED : V6_BLOCKED)
    if (r.list.check(address, type)) return r.why
  return undefined
}
