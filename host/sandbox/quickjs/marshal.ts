import { FnhostError } from '../../errors.js'
import type { InvokeOptions } from '../types.js'

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
  /** A private function's verified caller, and env laid over the function's for this call. */
  auth?: { claims: Record<string, unknown> }
  env?: Record<string, string>
  requestId: string
  deadline: number
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

export async function requestPayload(
  req: Request,
  style: Style,
  opts: Pick<InvokeOptions, 'params' | 'requestId' | 'deadline' | 'auth' | 'env'>,
): Promise<{ meta: string; body: Uint8Array<ArrayBuffer> | undefined }> {
  const bytes = req.body ? new Uint8Array(await req.arrayBuffer()) : undefined
  const meta: InvokeMeta = {
    method: req.method,
    url: req.url,
    path: '',
    query: '',
    headers: [...req.headers],
    params: opts.params,
    requestId: opts.requestId,
    deadline: opts.deadline,
  }
  if (opts.auth) meta.auth = opts.auth
  if (opts.env) meta.env = opts.env
  if (style === 'fetch') return { meta: JSON.stringify(meta), body: bytes }
  const url = new URL(req.url)
  Object.assign(
    meta,
    { path: url.pathname, query: url.search.slice(1) },
    queryObjects(url.searchParams),
  )
  if (style === 'event') Object.assign(meta, eventBody(bytes, req.headers.get('content-type')))
  else meta.body = bytes ? new TextDecoder().decode(bytes) : ''
  return { meta: JSON.stringify(meta), body: undefined }
}

const NULL_BODY_STATUS = [101, 103, 204, 205, 304]
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** The guest's answer as a Web Response; a malformed one is GUEST_BAD_RESPONSE. */
export function buildResponse(
  metaJSON: string,
  bytesBody: Uint8Array<ArrayBuffer> | undefined,
): Response {
  const meta = JSON.parse(metaJSON) as ResponseMeta
  if ('bad' in meta) throw new FnhostError('GUEST_BAD_RESPONSE', meta.bad)
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
    } else bytes = new TextEncoder().encode(body)
  } else if (body) bytes = body
  try {
    const headers = new Headers()
    for (const [k, v] of meta.headers) headers.append(k, v)
    const empty = NULL_BODY_STATUS.includes(meta.status)
    return new Response(empty ? null : bytes, {
      status: meta.status,
      statusText: meta.statusText,
      headers,
    })
  } catch (e) {
    throw new FnhostError(
      'GUEST_BAD_RESPONSE',
      `the handler's response is not valid HTTP: ${(e as Error).message}`,
      { cause: e },
    )
  }
}
