import { UsageError } from './args.js'

/** Options every command that talks to a running host takes. */
export const REMOTE_OPTIONS = {
  url: { type: 'string' },
} as const

export const REMOTE_USAGE =
  '  --url defaults to $FNHOST_URL or http://127.0.0.1:$PORT (8080); the admin key is read\n' +
  '  from FNHOST_ADMIN_KEY'

/** A running host's management API, with the admin key from the environment. */
export class Remote {
  readonly base: string
  private readonly key: string

  constructor(url: string | undefined) {
    const key = process.env.FNHOST_ADMIN_KEY
    if (!key) throw new UsageError('set FNHOST_ADMIN_KEY to the key of the host to talk to')
    this.key = key
    const base = url ?? process.env.FNHOST_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8080}`
    try {
      this.base = new URL(base).origin
    } catch {
      throw new UsageError(`--url is not a URL: ${base}`)
    }
  }

  /** `/_fnhost/v1/functions/<name>/<rest>`, each segment of the name encoded. */
  functionPath(name: string, rest: string): string {
    const encoded = name.split('/').map(encodeURIComponent).join('/')
    return `/_fnhost/v1/functions/${encoded}/${rest}`
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    headers.set('authorization', `Bearer ${this.key}`)
    let res: Response
    try {
      res = await fetch(this.base + path, { ...init, headers })
    } catch (e) {
      throw new Error(`cannot reach ${this.base}: ${(e as Error).cause ?? (e as Error).message}`)
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => undefined)) as { message?: string } | undefined
      throw new Error(`${res.status} from ${this.base}: ${body?.message ?? res.statusText}`)
    }
    return res
  }
}
