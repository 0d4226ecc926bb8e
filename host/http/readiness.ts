import { errorResponse, FnhostError } from '../errors.js'

/** `env`: the server's bindings (the socket's request and response), passed on to the host. */
type Fetch = (req: Request, env?: unknown) => Response | Promise<Response>

export const HEALTH_PATH = '/_fnhost/health'
/** Liveness: the process answers HTTP. Separate from readiness so a slow first scan is no restart. */
export const LIVE_PATH = '/_fnhost/live'

/**
 * The front of `fnhost serve` as a platform sees it: the server listens before the first scan has
 * loaded, so the platform can probe it; until then readiness (/_fnhost/health) answers 503 and so
 * does every other path; once draining after SIGTERM, readiness answers 503 again while the
 * requests already sent are still served.
 */
export class ReadinessGate {
  private state: 'starting' | 'ready' | 'draining' = 'starting'
  private host?: Fetch

  readonly fetch: Fetch = (req, env) => {
    // Function requests, nearly all of them, pass without a URL parse of their own.
    const probe = this.state !== 'ready' || req.url.includes(LIVE_PATH)
    const path = probe ? new URL(req.url).pathname : undefined
    if (path === LIVE_PATH && req.method === 'GET') return Response.json({ status: 'ok' })
    if (this.state !== 'ready' && path === HEALTH_PATH && req.method === 'GET')
      return Response.json({ status: this.state }, { status: 503 })
    if (this.host) return this.host(req, env)
    const err = new FnhostError('OVERLOADED', 'fnhost is starting: its functions are loading', {
      retryAfterS: 1,
    })
    return errorResponse(err, crypto.randomUUID())
  }

  /** The first scan has loaded: serve through the host. */
  open(host: Fetch): void {
    this.host = host
    this.state = 'ready'
  }

  /** Shutting down: readiness fails so the platform stops routing here. */
  drain(): void {
    this.state = 'draining'
  }
}
