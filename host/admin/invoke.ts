import { FnhostError } from '../errors.js'
import type { HttpInvocation } from '../invocation.js'
import { invocationLog, type Logger } from '../observe/log.js'
import type { Registry } from '../registry/registry.js'
import type { Slot } from '../registry/slot.js'
import { guestBodyBytes } from '../response.js'

export interface InvokeResult {
  status: number
  headers: [string, string][]
  body: string
  /** The body is base64 (it was not UTF-8). */
  base64: boolean
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

function stringRecord(v: unknown, what: string): Record<string, string> {
  if (v === undefined) return {}
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new FnhostError('BAD_REQUEST', `${what} must be an object of strings`)
  const out: Record<string, string> = {}
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw new FnhostError('BAD_REQUEST', `${what}.${k} must be a string`)
    out[k] = x
  }
  return out
}

/**
 * Runs a function once with a request described as JSON `{method, path, headers, body}`, for
 * tools and the dashboard: the admin key stands for the caller, so no JWT is checked.
 */
export async function invokeOnce(
  registry: Registry,
  slot: Slot,
  input: Record<string, unknown>,
  requestId: string,
  logger: Logger,
): Promise<InvokeResult> {
  const method = typeof input.method === 'string' ? input.method.toUpperCase() : 'GET'
  const path = typeof input.path === 'string' ? input.path : (slot.routes[0] ?? '/')
  if (!path.startsWith('/')) throw new FnhostError('BAD_REQUEST', 'path must start with /')
  const body =
    typeof input.body === 'string' && method !== 'GET' && method !== 'HEAD' ? input.body : null
  const url = new URL(path, 'http://localhost')
  const match = registry.match(url.pathname)
  const mine = match?.target === slot ? match : undefined
  let headers: [string, string][]
  try {
    headers = [...new Headers(stringRecord(input.headers, 'headers'))]
  } catch (e) {
    if (e instanceof FnhostError) throw e
    throw new FnhostError('BAD_REQUEST', `headers: ${(e as Error).message}`)
  }
  const inv: HttpInvocation = {
    type: 'http',
    method,
    url: url.origin + (mine?.path ?? url.pathname) + url.search,
    path: mine?.path ?? url.pathname,
    query: url.search.slice(1),
    route: mine?.pattern ?? slot.routes[0] ?? '/',
    params: mine?.params ?? {},
    headers,
    body: body === null ? null : new TextEncoder().encode(body),
    requestId,
  }
  const timeoutMs = slot.spec?.config.timeoutMs ?? 0
  const res = await slot.run(registry.loader, (f) =>
    f.invoke(inv, {
      deadline: Date.now() + timeoutMs,
      signal: new AbortController().signal,
      log: invocationLog(logger, { fn: slot.name, requestId }),
    }),
  )
  const bytes = await guestBodyBytes(res)
  let text: string
  let base64 = false
  try {
    text = strictUtf8.decode(bytes)
  } catch {
    text = Buffer.from(bytes).toString('base64')
    base64 = true
  }
  return { status: res.status, headers: res.headers, body: text, base64 }
}
