import { pathSegments, Router } from '../../registry/routes.js'
import { CONTEXT_PATH } from './context-dir.js'

export interface CgiInput {
  request: Request
  url: URL
  body: Uint8Array
  requestId: string
  /** The function's own `env`, set last so it wins. */
  env: Record<string, string>
}

interface ScriptSplit {
  scriptName: string
  pathInfo: string
  rawPathInfo: string
  matchedRoute: string
}

/**
 * Splits a request path into CGI's SCRIPT_NAME (the part the route matched) and PATH_INFO (the
 * rest), over the function's own routes; `/r/...` is the host's alias and stays in SCRIPT_NAME.
 */
export class ScriptPaths {
  private readonly router: Router<string>

  constructor(private readonly routes: string[]) {
    this.router = new Router(routes.map((r) => [r, r] as [string, string]))
  }

  split(url: URL): ScriptSplit {
    const raw = url.pathname.split('/').filter((s) => s !== '')
    let segments: string[]
    try {
      segments = pathSegments(url.pathname)
    } catch {
      segments = raw
    }
    let match = this.router.match(segments)
    let skip = 0
    if (!match && segments[0] === 'r') {
      match = this.router.match(segments.slice(1))
      skip = 1
    }
    if (!match)
      return {
        scriptName: '',
        pathInfo: url.pathname,
        rawPathInfo: url.pathname,
        matchedRoute: this.routes[0] ?? '',
      }
    const used = skip + match.pattern.split('/').filter((s) => s !== '').length
    const join = (parts: string[]) => (parts.length ? '/' + parts.join('/') : '')
    return {
      scriptName: join(segments.slice(0, used)),
      pathInfo: join(segments.slice(used)),
      rawPathInfo: join(raw.slice(used)),
      matchedRoute: match.pattern,
    }
  }
}

function defaultPort(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80')
}

/** The WAGI environment of CONTRACTS.md: request variables, HTTP_* per header, then the function's env. */
export function cgiEnv(input: CgiInput, split: ScriptSplit): string[] {
  const { request, url, body } = input
  const vars: Record<string, string> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: 'fnhost',
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_NAME: url.hostname,
    SERVER_PORT: defaultPort(url),
    REQUEST_METHOD: request.method,
    SCRIPT_NAME: split.scriptName,
    PATH_INFO: split.pathInfo,
    X_RAW_PATH_INFO: split.rawPathInfo,
    X_MATCHED_ROUTE: split.matchedRoute,
    QUERY_STRING: url.search.slice(1),
    X_FULL_URL: url.href,
    // The sandbox seam does not carry the client address; the server may forward it as a header.
    REMOTE_ADDR: '',
    REQUEST_ID: input.requestId,
    CONTEXT_PATH,
  }
  const type = request.headers.get('content-type')
  if (type !== null) vars.CONTENT_TYPE = type
  if (body.byteLength > 0 || request.headers.has('content-length'))
    vars.CONTENT_LENGTH = String(body.byteLength)
  for (const [name, value] of request.headers)
    vars[`HTTP_${name.toUpperCase().replaceAll('-', '_')}`] = value
  Object.assign(vars, input.env)
  return Object.entries(vars).map(([k, v]) => `${k}=${v}`)
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** `/context/request.json`: the request as container-style hosts hand it over; binary bodies as base64. */
export function requestJson(input: CgiInput): Uint8Array {
  const { request, url, body } = input
  let text: string | undefined
  try {
    text = utf8.decode(body)
  } catch {
    text = undefined
  }
  const json = {
    method: request.method,
    path: url.pathname,
    query: url.search.slice(1),
    headers: Object.fromEntries(request.headers),
    body: text ?? Buffer.from(body).toString('base64'),
    ...(text === undefined ? { isBase64Encoded: true } : {}),
  }
  return new TextEncoder().encode(JSON.stringify(json))
}
