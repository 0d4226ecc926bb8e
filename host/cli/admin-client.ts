import { UsageError } from './args.js'

/** Options every management command takes. */
export const CLIENT_FLAGS = {
  url: { type: 'string' },
} as const

export const DEFAULT_URL = 'http://127.0.0.1:8080'

export class AdminRequestError extends Error {
  override readonly name = 'AdminRequestError'
}

/** Calls the management API of the host at `url` with FNHOST_ADMIN_KEY; errors carry its message. */
export async function adminFetch(
  url: string | undefined,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const key = process.env.FNHOST_ADMIN_KEY
  if (!key) throw new UsageError("set FNHOST_ADMIN_KEY to the host's admin key")
  let base: URL
  try {
    base = new URL(url ?? DEFAULT_URL)
  } catch {
    throw new UsageError(`--url is not a URL: ${url}`)
  }
  const target = new URL('/_fnhost/v1' + path, base)
  const headers = new Headers(init.headers)
  headers.set('authorization', `Bearer ${key}`)
  let res: Response
  try {
    res = await fetch(target, { ...init, headers })
  } catch (e) {
    throw new AdminRequestError(
      `cannot reach ${base.origin}: ${(e as Error).cause ?? (e as Error).message}`,
    )
  }
  if (res.ok) return res
  throw new AdminRequestError(`${res.status}: ${await failureMessage(res)}`)
}

/** A failed answer's reason: the message of the host's JSON error, else the body as it came. */
export async function failureMessage(res: Response): Promise<string> {
  const text = await res.text()
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text
  } catch {
    // Not the host's JSON error (a proxy's page): show the text as it came.
    return text
  }
}

/** Runs a management command: a failed request prints its reason and exits 1. */
export async function asClient(body: () => Promise<number>): Promise<number> {
  try {
    return await body()
  } catch (e) {
    if (!(e instanceof AdminRequestError)) throw e
    process.stderr.write(`fnhost: ${e.message}\n`)
    return 1
  }
}

/** A function name as a URL path: each segment encoded. */
export function namePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/')
}
