import { FnhostError } from '../../errors.js'
import {
  scheduledAsHttp,
  type GuestResponse,
  type HeaderList,
  type HttpInvocation,
  type Invocation,
} from '../../invocation.js'
import { guestResponse } from '../../response.js'

export type Style = 'fetch' | 'event' | 'open-runtimes'

/** The request as the prelude's `invoke` reads it (JSON), plus the body bytes for fetch style. */
export interface InvokeMeta {
  method: string
  url: string
  path: string
  /** Raw query string, without '?'. */
  query: string
  headers: [string, string][]
  params: Record<string, string>
  requestId: string
  deadline: number
  /** Verified token claims of a private function's caller. */
  auth?: { claims: Record<string, unknown> }
  /** Laid over the function's env for this call (Open Runtimes executor). */
  env?: Record<string, string>
  /** A scheduled invocation: what `scheduled(event)` receives; the HTTP fields are its fallback POST. */
  scheduled?: { cron: string; scheduledTime: number; payload: unknown }
  /** Event and open-runtimes styles: the body as a string (base64 when `base64`). */
  body?: string
  base64?: boolean
  /** Event and open-runtimes styles: the query, last value per name, and every value. */
  queryParams?: Record<string, string>
  multiQueryParams?: Record<string, string[]>
}

function queryObjects(search: URLSearchParams) {
  const queryParams: Record<string, string> = {}
  const multiQueryParams: Record<string, string[]> = {}
  for (const [k, v] of search) {
    queryParams[k] = v
    ;(multiQueryParams[k] ??= []).push(v)
  }
  return { queryParams, multiQueryParams }
}

type ResponseMeta =
  | {
      status: number
      statusText: string
      headers: [string, string][]
      /** A text body (base64 when `base64`); a binary one comes beside the meta. */
      text?: string
      base64?: boolean
    }
  | { bad: string }

const TEXTUAL =
  /^\s*(?:text\/|application\/(?:json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|x-ndjson)\b|[^;]*\+(?:json|xml)\b)/i

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Event style: text stays text; a binary content type or bytes that are not UTF-8 become base64. */
function eventBody(
  bytes: Uint8Array | undefined,
  contentType: string | null,
): { body: string; base64: boolean } {
  if (!bytes || bytes.length === 0) return { body: '', base64: false }
  if (contentType === null || TEXTUAL.test(contentType)) {
    try {
      return { body: strictUtf8.decode(bytes), base64: false }
    } catch {
      // Not UTF-8: sent as base64 below.
    }
  }
  return { body: Buffer.from(bytes).toString('base64'), base64: true }
}

/** The invocation as the prelude's `invoke` reads it: meta JSON, plus body bytes for fetch style. */
export function requestPayload(
  invocation: Invocation,
  style: Style,
  deadline: number,
): { meta: string; body: Uint8Array | undefined } {
  if (style === 'fetch' && invocation.type === 'http' && !invocation.auth && !invocation.env) {
    const flat = flatRequest(invocation)
    if (flat !== undefined) return { meta: flat, body: invocation.body ?? undefined }
  }
  const inv = invocation.type === 'http' ? invocation : scheduledAsHttp(invocation)
  const bytes = inv.body ?? undefined
  const meta: InvokeMeta = {
    method: inv.method,
    url: inv.url,
    path: inv.path,
    query: inv.query,
    headers: inv.headers,
    params: inv.params,
    requestId: inv.requestId,
    deadline,
  }
  if (inv.auth) meta.auth = inv.auth
  if (inv.env) meta.env = inv.env
  if (invocation.type === 'scheduled') {
    const { cron, scheduledTime, payload } = invocation
    meta.scheduled = { cron, scheduledTime, payload }
  }
  if (style === 'fetch') return { meta: JSON.stringify(meta), body: bytes }
  Object.assign(meta, queryObjects(new URLSearchParams(inv.query)))
  if (style === 'event') Object.assign(meta, eventBody(bytes, contentType(inv.headers)))
  else meta.body = bytes ? new TextDecoder().decode(bytes) : ''
  return { meta: JSON.stringify(meta), body: undefined }
}

/**
 * The common fetch-style call (no caller claims, no per-call env) as lines instead of JSON, which
 * the guest reads with a few slices where JSON.parse in QuickJS costs several microseconds:
 * method, URL, the route params as JSON ('' for none), then each header's name and value. The
 * guest builds `request.headers` from those lines only when the handler reads it. A line break
 * in any field (none comes from an HTTP parser) sends the request as JSON instead.
 */
function flatRequest(inv: HttpInvocation): string | undefined {
  const params = hasKeys(inv.params) ? JSON.stringify(inv.params) : ''
  // The guest reads a meta starting with '{' as JSON: a method is a token and never starts so.
  if (inv.method.startsWith('{') || inv.method.includes('\n') || inv.url.includes('\n'))
    return undefined
  let meta = inv.method + '\n' + inv.url + '\n' + params
  for (const [name, value] of inv.headers) {
    if (name.includes('\n') || value.includes('\n')) return undefined
    meta += '\n' + name + '\n' + value
  }
  return meta
}

function hasKeys(record: Record<string, string>): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return true
  return false
}

function contentType(headers: HeaderList): string | null {
  for (const [name, value] of headers) if (name === 'content-type') return value
  return null
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** The guest's answer as plain data; a malformed one is GUEST_BAD_RESPONSE. */
export function buildResponse(
  metaJSON: string,
  bytesBody: Uint8Array<ArrayBuffer> | undefined,
): GuestResponse {
  if (metaJSON.charCodeAt(0) !== 0x7b /* { */) return flatResponse(metaJSON)
  const meta = JSON.parse(metaJSON) as ResponseMeta
  if ('bad' in meta) throw new FnhostError('GUEST_BAD_RESPONSE', meta.bad)
  if (
    !Array.isArray(meta.headers) ||
    !meta.headers.every((h) => Array.isArray(h) && h.length === 2)
  )
    throw new FnhostError('GUEST_BAD_RESPONSE', 'the response headers are not a list of pairs')
  let bytes: Uint8Array<ArrayBuffer> | null = null
  const body = meta.text ?? bytesBody
  if (typeof body === 'string') {
    if (meta.base64) {
      const compact = body.replace(/\s+/g, '')
      if (compact.length % 4 === 1 || !BASE64.test(compact))
        throw new FnhostError(
          'GUEST_BAD_RESPONSE',
          'the handler set isBase64Encoded, but its body is not valid base64',
        )
      bytes = new Uint8Array(Buffer.from(compact, 'base64'))
    } else bytes = utf8.encode(body)
  } else if (body) bytes = body
  return guestResponse(meta.status, meta.headers, bytes)
}

const utf8 = new TextEncoder()

/**
 * A fetch-style answer with a text body (or none) and nothing left to wait for, as lines (see
 * responseParts in guests/js/conventions.js): status, the header count, each header's
 * name and value, then the body, which runs to the end and may hold anything; no line after the
 * headers means no body. Malformed lines are GUEST_BAD_RESPONSE; the values are checked as any
 * answer's are, by guestResponse.
 */
function flatResponse(text: string): GuestResponse {
  let at = 0
  const line = (): string => {
    if (at > text.length) throw new FnhostError('GUEST_BAD_RESPONSE', 'the answer is cut short')
    let end = text.indexOf('\n', at)
    if (end < 0) end = text.length
    const value = text.slice(at, end)
    at = end + 1
    return value
  }
  const status = Number(line())
  const count = Number(line())
  if (!Number.isInteger(count) || count < 0)
    throw new FnhostError('GUEST_BAD_RESPONSE', 'the answer has no header count')
  const headers: [string, string][] = []
  for (let i = 0; i < count; i++) headers.push([line(), line()])
  const body = at > text.length ? null : utf8.encode(text.slice(at))
  return guestResponse(status, headers, body)
}
