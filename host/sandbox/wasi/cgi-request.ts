import { joinedHeaders, type HttpInvocation } from '../../invocation.js'
import { CONTEXT_PATH } from './context-dir.js'

export interface CgiInput {
  inv: HttpInvocation
  url: URL
  body: Uint8Array
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
 * Splits the request path into CGI's SCRIPT_NAME (the part the matched route covers) and
 * PATH_INFO (the rest). The route comes with the invocation: the driver never routes.
 */
export function splitScriptPath(inv: HttpInvocation): ScriptSplit {
  const raw = inv.path.split('/').filter((s) => s !== '')
  const used = inv.route.split('/').filter((s) => s !== '').length
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s)
    } catch {
      return s
    }
  }
  const join = (parts: string[]) => (parts.length ? '/' + parts.join('/') : '')
  return {
    scriptName: join(raw.slice(0, used).map(decode)),
    pathInfo: join(raw.slice(used).map(decode)),
    rawPathInfo: join(raw.slice(used)),
    matchedRoute: inv.route,
  }
}

function defaultPort(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80')
}

/** The WAGI environment of CONTRACTS.md: request variables, HTTP_* per header, then the function's env. */
export function cgiEnv(input: CgiInput, split: ScriptSplit): string[] {
  const { inv, url, body } = input
  const vars: Record<string, string> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: 'fnhost',
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_NAME: url.hostname,
    SERVER_PORT: defaultPort(url),
    REQUEST_METHOD: inv.method,
    SCRIPT_NAME: split.scriptName,
    PATH_INFO: split.pathInfo,
    X_RAW_PATH_INFO: split.rawPathInfo,
    X_MATCHED_ROUTE: split.matchedRoute,
    QUERY_STRING: inv.query,
    X_FULL_URL: url.href,
    REMOTE_ADDR: inv.clientAddress ?? '',
    REQUEST_ID: inv.requestId,
    CONTEXT_PATH,
  }
  const headers = new Map(joinedHeaders(inv.headers))
  const type = headers.get('content-type')
  if (type !== undefined) vars.CONTENT_TYPE = type
  if (body.byteLength > 0 || headers.has('content-length'))
    vars.CONTENT_LENGTH = String(body.byteLength)
  for (const [name, value] of headers)
    vars[`HTTP_${name.toUpperCase().replaceAll('-', '_')}`] = value
  Object.assign(vars, input.env)
  return Object.entries(vars).map(([k, v]) => `${k}=${v}`)
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** `/context/request.json`: the request as container-style hosts hand it over; binary bodies as base64. */
export function requestJson(input: CgiInput): Uint8Array {
  const { inv, body } = input
  let text: string | undefined
  try {
    text = utf8.decode(body)
  } catch {
    text = undefined
  }
  const json = {
    method: inv.method,
    path: inv.path,
    query: inv.query,
    headers: Object.fromEntries(joinedHeaders(inv.headers)),
    body: text ?? Buffer.from(body).toString('base64'),
    ...(text === undefined ? { isBase64Encoded: true } : {}),
  }
  return new TextEncoder().encode(JSON.stringify(json))
}
