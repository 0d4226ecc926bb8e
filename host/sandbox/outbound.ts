import { lookup as dnsLookup } from 'node:dns/promises'
import http, { type IncomingMessage } from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import { NULL_BODY_STATUS } from '../response.js'
import { countGuest } from '../observe/guest-counts.js'
import { checkPublic, type AddressPolicy } from './address-policy.js'

export { checkPublic, type AddressPolicy } from './address-policy.js'

/**
 * How a guest's fetch() reaches the network: the host decides, the guest only asks. `budget`:
 * response bytes the invocation may still take in, across its fetches.
 */
export type HostFetch = (
  req: Request,
  signal: AbortSignal,
  budget?: ByteBudget,
) => Promise<Response>

/** Response bytes one invocation may buffer, all its fetches together. */
export interface ByteBudget {
  left: number
  readonly total: number
}

export type LookupResult = { address: string; family: 4 | 6 }
export type Lookup = (hostname: string) => Promise<LookupResult[]>

export interface OutboundOptions {
  /** DNS resolution; tests map names to local addresses. */
  lookup: Lookup
  /** Which resolved addresses may be contacted (default: public ones only). */
  policy: AddressPolicy
  timeoutMs: number
  maxRedirects: number
  maxResponseBytes: number
}

export const OUTBOUND_DEFAULTS = {
  timeoutMs: 30_000,
  maxRedirects: 20,
  maxResponseBytes: 32 * 1024 * 1024,
  maxSubrequests: 50,
}

/** A request the policy refused; the guest sees it as a TypeError with this message. */
export class OutboundDenied extends TypeError {}

function checkAddress(url: URL, address: string, family: number, policy: AddressPolicy): void {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
  const why = policy(address, family === 6 ? 6 : 4, port)
  if (why)
    throw new OutboundDenied(
      `fetch to ${url.href} denied: ${address} is a ${why} address, and functions may only reach public addresses`,
    )
}

const systemLookup: Lookup = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })) as LookupResult[]

const REDIRECTS = [301, 302, 303, 307, 308]
const HOP_HEADERS = ['host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te']
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language']
/** Dropped when a redirect leaves the origin, as browsers drop credentials (and more: API keys). */
const CREDENTIAL_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'cookie2',
  'x-api-key',
  'x-auth-token',
]

function fetchFailed(url: URL, why: string): TypeError {
  return new TypeError(`fetch to ${url.origin} failed: ${why}`)
}

/**
 * A Node lookup hook that refuses non-public answers, so the address checked is exactly the one
 * connected to (no second resolution for a DNS-rebinding attacker to answer differently).
 */
function checkedLookup(url: URL, options: OutboundOptions): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    options
      .lookup(hostname)
      .then((all) => {
        const wanted = lookupOptions.family === 4 || lookupOptions.family === 6
        const answers = wanted ? all.filter((a) => a.family === lookupOptions.family) : all
        if (answers.length === 0) throw fetchFailed(url, `${hostname} did not resolve`)
        for (const a of answers) checkAddress(url, a.address, a.family, options.policy)
        return answers
      })
      .then(
        (answers) => {
          if (lookupOptions.all) callback(null, answers)
          else callback(null, answers[0]!.address, answers[0]!.family)
        },
        (e: unknown) => callback(e as NodeJS.ErrnoException, ''),
      )
  }
}

function checkURL(url: URL, options: OutboundOptions): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new OutboundDenied(`fetch to ${url.href} denied: only http and https URLs are allowed`)
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const family = isIP(host)
  if (family === 4 || family === 6) checkAddress(url, host, family, options.policy)
}

function send(
  url: URL,
  init: { method: string; headers: Headers; body: Buffer | undefined },
  options: OutboundOptions,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const headers: Record<string, string | string[]> = {}
  for (const [k, v] of init.headers) if (!HOP_HEADERS.includes(k)) headers[k] = v
  const cookies = init.headers.getSetCookie()
  if (cookies.length) headers['set-cookie'] = cookies
  headers['user-agent'] ??= 'fnhost'
  if (init.body) headers['content-length'] = String(init.body.length)
  const client = url.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method: init.method,
      headers,
      signal,
      agent: false,
      lookup: checkedLookup(url, options),
    })
    req.on('response', resolve)
    req.on('error', reject)
    req.end(init.body)
  })
}

async function readBody(
  res: IncomingMessage,
  url: URL,
  limit: number,
  budget: ByteBudget | undefined,
): Promise<Buffer> {
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase()
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined
  const stream = decoder ? res.pipe(decoder) : res
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) {
      res.destroy()
      throw fetchFailed(url, `the response body is larger than ${limit} bytes`)
    }
    if (budget && (budget.left -= chunk.length) < 0) {
      res.destroy()
      throw fetchFailed(
        url,
        `this request's fetch responses together passed ${budget.total} bytes (the function's memory cap)`,
      )
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

function toResponse(res: IncomingMessage, body: Buffer, url: URL, redirected: boolean): Response {
  const headers = new Headers()
  const raw = res.rawHeaders
  const decoded = body.length > 0 && res.headers['content-encoding'] !== undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    if (decoded && (name === 'content-encoding' || name === 'content-length')) continue
    headers.append(name, raw[i + 1]!)
  }
  const status = res.statusCode ?? 0
  if (status < 200 || status > 599) throw fetchFailed(url, `the server answered status ${status}`)
  const response = new Response(NULL_BODY_STATUS.has(status) ? null : new Uint8Array(body), {
    status,
    statusText: res.statusMessage ?? '',
    headers,
  })
  // A constructed Response has no url and is never "redirected"; the guest expects both.
  Object.defineProperty(response, 'url', { value: url.href })
  Object.defineProperty(response, 'redirected', { value: redirected })
  return response
}

async function outbound(
  req: Request,
  signal: AbortSignal,
  options: OutboundOptions,
  budget: ByteBudget | undefined,
) {
  const timeout = AbortSignal.timeout(options.timeoutMs)
  const combined = AbortSignal.any([signal, timeout])
  let url = new URL(req.url)
  let method = req.method
  const headers = new Headers(req.headers)
  let body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined
  for (let hop = 0; ; hop++) {
    checkURL(url, options)
    let res: IncomingMessage
    try {
      res = await send(url, { method, headers, body }, options, combined)
    } catch (e) {
      if (e instanceof TypeError) throw e
      if (timeout.aborted) throw fetchFailed(url, `no answer within ${options.timeoutMs} ms`)
      if (signal.aborted) throw signal.reason
      const err = e as NodeJS.ErrnoException
      throw fetchFailed(url, err.code ?? err.message)
    }
    const location = res.headers.location
    if (REDIRECTS.includes(res.statusCode ?? 0) && location && req.redirect !== 'manual') {
      res.resume()
      if (req.redirect === 'error') throw fetchFailed(url, 'redirected, and redirect is "error"')
      if (hop >= options.maxRedirects) throw fetchFailed(url, 'too many redirects')
      const next = new URL(location, url)
      if (res.statusCode === 303 || (method === 'POST' && [301, 302].includes(res.statusCode!))) {
        if (method !== 'HEAD') method = 'GET'
        body = undefined
        for (const h of BODY_HEADERS) headers.delete(h)
      }
      if (next.origin !== url.origin) for (const h of CREDENTIAL_HEADERS) headers.delete(h)
      url = next
      continue
    }
    const bytes = await readBody(res, url, options.maxResponseBytes, budget)
    return toResponse(res, bytes, url, hop > 0)
  }
}

/** The default outbound fetch: http(s) only, public addresses only, redirects re-checked. */
export function createOutboundFetch(options: Partial<OutboundOptions> = {}): HostFetch {
  const full: OutboundOptions = {
    lookup: systemLookup,
    policy: checkPublic,
    timeoutMs: OUTBOUND_DEFAULTS.timeoutMs,
    maxRedirects: OUTBOUND_DEFAULTS.maxRedirects,
    maxResponseBytes: OUTBOUND_DEFAULTS.maxResponseBytes,
    ...options,
  }
  return (req, signal, budget) => counted(outbound(req, signal, full, budget))
}

/** Counts a fetch's outcome for the host's metrics. */
function counted(answer: Promise<Response>): Promise<Response> {
  return answer.then(
    (res) => {
      countGuest('fetchOk')
      return res
    },
    (e: unknown) => {
      countGuest(e instanceof OutboundDenied ? 'fetchDenied' : 'fetchFailed')
      throw e
    },
  )
}

/**
 * Counts one invocation's subrequests (the one past `max` is refused) and the response bytes they
 * bring in: together at most `maxBytes` (the function's memory cap), buffered as they are.
 */
export function limitSubrequests(
  fetch: HostFetch,
  max = OUTBOUND_DEFAULTS.maxSubrequests,
  maxBytes = Infinity,
): HostFetch {
  let count = 0
  const budget: ByteBudget = { left: maxBytes, total: maxBytes }
  return (req, signal) => {
    if (++count > max)
      return counted(
        Promise.reject(
          new OutboundDenied(`fetch denied: at most ${max} subrequests are allowed per invocation`),
        ),
      )
    return fetch(req, signal, budget)
  }
}
