/**
 * The one seam between the host and a guest: what crosses from dispatch (or a trigger) through the
 * pool into a driver is an `Invocation`, and what comes back is a `GuestResponse`. Both are plain,
 * structured-cloneable data; Web `Request`/`Response` objects exist only inside a guest's runtime
 * and where Hono hands the host a request.
 */

/** Headers as a flat list of [lower-case name, value], in arrival order (repeats kept). */
export type HeaderList = [string, string][]

export interface HttpInvocation {
  type: 'http'
  method: string
  /**
   * The request URL as the guest sees it: scheme, host, path and query. On the `/r/` alias the
   * prefix is gone, so a guest cannot tell the alias from the path itself.
   */
  url: string
  /** The raw (still percent-encoded) path of `url`. */
  path: string
  /** The raw query string of `url`, without '?'. */
  query: string
  /** The route pattern that matched ('/users/:id'), and the values of its params. */
  route: string
  params: Record<string, string>
  headers: HeaderList
  /** The whole request body (null: none). */
  body: Uint8Array | null
  /** The client's address as the socket saw it, when known. */
  clientAddress?: string
  requestId: string
  /** W3C trace context of the request (`traceparent`), passed on to the guest and its fetches. */
  traceparent?: string
  /** Verified claims of the caller's token, for private functions. */
  auth?: { claims: Record<string, unknown> }
  /** Variables laid over the function's env for this call only (an Open Runtimes executor's). */
  env?: Record<string, string>
}

export interface ScheduledInvocation {
  type: 'scheduled'
  /** The cron expression that fired (or 'manual' for a trigger from the management API). */
  cron: string
  /** Epoch milliseconds the tick was due. */
  scheduledTime: number
  /** Any JSON value configured with the schedule or given to a manual trigger. */
  payload: unknown
  /**
   * The function's route: a guest that has no scheduled handler gets a POST here, with the JSON
   * payload as body and `x-fnhost-trigger: cron`.
   */
  route: string
  requestId: string
  traceparent?: string
}

export type Invocation = HttpInvocation | ScheduledInvocation

/** The guest's answer. The host owns framing: drivers never set content-length or hop-by-hop headers. */
export interface GuestResponse {
  status: number
  headers: HeaderList
  /** Bytes, or chunks as the guest produces them (a streamed body). */
  body: Uint8Array | null | AsyncIterable<Uint8Array>
}

/** The header that marks a scheduled invocation delivered as an HTTP request. */
export const TRIGGER_HEADER = 'x-fnhost-trigger'

/**
 * A scheduled invocation as the POST a guest without a scheduled handler receives: to the
 * function's route, the JSON payload as body, and the trigger header.
 */
export function scheduledAsHttp(
  inv: ScheduledInvocation,
  origin = 'http://localhost',
): HttpInvocation {
  const body = new TextEncoder().encode(JSON.stringify(inv.payload ?? null))
  const path = fillRoute(inv.route)
  const headers: HeaderList = [
    ['content-type', 'application/json'],
    ['content-length', String(body.byteLength)],
    [TRIGGER_HEADER, 'cron'],
  ]
  if (inv.traceparent) headers.push(['traceparent', inv.traceparent])
  return {
    type: 'http',
    method: 'POST',
    url: origin + path,
    path,
    query: '',
    route: inv.route,
    params: {},
    headers,
    body,
    requestId: inv.requestId,
    traceparent: inv.traceparent,
  }
}

/** A route pattern as a concrete path: a `:param` segment stands for itself, by name. */
function fillRoute(route: string): string {
  const path = route
    .split('/')
    .filter((s) => s !== '')
    .map((s) => encodeURIComponent(s.startsWith(':') ? s.slice(1) : s))
    .join('/')
  return '/' + path
}

/**
 * Headers as a Fetch `Headers` object lists them: names sorted, repeats joined with ', ' — the
 * form CGI variables, `/context/request.json` and the fnmicro request have always carried.
 */
export function joinedHeaders(headers: HeaderList): [string, string][] {
  const out = new Map<string, string>()
  for (const [name, value] of headers) {
    const prev = out.get(name)
    out.set(name, prev === undefined ? value : `${prev}, ${value}`)
  }
  return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}
