/** Talking to the host: the admin key (sessionStorage only), JSON calls, the log stream. */
const KEY_NAME = 'fnhost.adminKey'

/** A --dev host: loopback, no key needed (the host says so in the page it serves). */
export const devMode = document.documentElement.dataset.mode === 'dev'

export function adminKey(): string | null {
  return sessionStorage.getItem(KEY_NAME)
}
export function saveKey(key: string): void {
  sessionStorage.setItem(KEY_NAME, key)
}
export function forgetKey(): void {
  sessionStorage.removeItem(KEY_NAME)
}

/** The host's error body ({code, message, error, requestId}) as an exception. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

let onUnauthorized: (e: ApiError) => void = () => {}
export function whenUnauthorized(handler: (e: ApiError) => void): void {
  onUnauthorized = handler
}

/**
 * A function's name in a management path: its segments, each escaped. The name may come from the
 * location (a link someone sent): dot segments would climb out of /_fnhost/v1/functions/.
 */
export function fnPath(name: string): string {
  const segments = name.split('/')
  if (segments.some((s) => s === '' || s === '.' || s === '..'))
    throw new Error(`not a function name: ${name}`)
  return segments.map(encodeURIComponent).join('/')
}

/** Only the host's own endpoints ever get the key: never a function's path. */
function hostEndpoint(path: string): boolean {
  const url = new URL(path, location.origin)
  return url.origin === location.origin && url.pathname.startsWith('/_fnhost/')
}

export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  if (!hostEndpoint(path)) throw new Error(`not a host endpoint: ${path}`)
  const headers = new Headers(init.headers)
  const key = adminKey()
  if (key) headers.set('authorization', `Bearer ${key}`)
  return fetch(path, { ...init, headers, cache: 'no-store' })
}

export async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '')
  try {
    const body = JSON.parse(text) as { error?: string; message?: string }
    return new ApiError(res.status, body.error ?? String(res.status), body.message ?? text)
  } catch {
    return new ApiError(res.status, String(res.status), text || res.statusText)
  }
}

export async function json<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await call(path, init)
  if (!res.ok) {
    const e = await errorOf(res)
    if (res.status === 401) onUnauthorized(e)
    throw e
  }
  return (await res.json()) as T
}

/**
 * Server-sent events over fetch (EventSource cannot send the key in a header, and the key never
 * goes in a URL). Resolves when the stream ends; `signal` stops it.
 */
export async function follow(
  path: string,
  onEvent: (event: string, data: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await call(path, { signal })
  if (!res.ok || !res.body) throw await errorOf(res)
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    buffer += value
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let event = 'message'
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim()
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
      }
      if (data.length) onEvent(event, data.join('\n'))
    }
  }
}

/** What GET /_fnhost/v1/functions lists: the management API's own type. */
export type { FunctionInfo } from '../../admin/describe.js'

export interface Series {
  kind: string
  nextRun?: string
  rps: number[]
  p99Ms: (number | null)[]
  errors: number[]
  requests: number
  errorsTotal: number
}

export interface Overview {
  version: string
  uptimeS: number
  dev: boolean
  sampleMs: number
  host: Record<string, number>
  functions: Record<string, Series>
}
