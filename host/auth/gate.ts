import type { HostConfig } from '../host-config.js'
import type { FunctionSpec } from '../types.js'
import { checkChallenge, executorCall, type ExecutorCall } from './executor.js'
import { verifyKeyFrom } from './keys.js'
import { TOKEN_HEADERS, tokenFrom } from './token-header.js'
import {
  checkScope,
  createVerifier,
  unauthorized,
  type Claims,
  type TokenVerifier,
} from './verify.js'

/** What passing the gate gives a request: the caller's verified claims (private functions). */
export interface Admission {
  claims?: Claims
}

/** What the guest gets instead of the raw request when the gate changed something. */
export interface GuestCall {
  request: Request
  auth?: { claims: Claims }
  env?: Record<string, string>
  timeoutS?: number
}

/**
 * Who may call a function: private functions need a verified JWT with the right scope; in Open
 * Runtimes executor mode every call needs the shared challenge, a function that failed to load
 * (no spec) included. Runs before the body is read.
 */
export interface Gate {
  admit(req: Request, url: URL, spec: FunctionSpec | undefined): Promise<Admission>
  /**
   * The request as the guest sees it: the token header gone, an executor body unwrapped. Returns
   * undefined when nothing changes, so the common path builds no second Request.
   */
  shape(
    req: Request,
    url: URL,
    body: Uint8Array<ArrayBuffer> | null,
    admission: Admission,
  ): GuestCall | undefined
}

export async function createGate(config: HostConfig, dir: string): Promise<Gate> {
  const key = await verifyKeyFrom(config.auth, dir)
  const verifier: TokenVerifier | undefined = key && createVerifier(key, config.auth)
  const runtimeKey = config.auth?.internalRuntimeKey
  return {
    async admit(req, url, spec) {
      if (runtimeKey !== undefined) checkChallenge(req.headers, runtimeKey)
      if (!spec?.config.private) return {}
      if (!verifier)
        throw unauthorized(
          `${spec.name} is a private function and this host has no JWT key configured (FNHOST_JWT_SECRET, a public key or a JWKS URL in fnhost.json)`,
        )
      const claims = await verifier.verify(tokenFrom(req.headers, url))
      checkScope(claims, spec.name)
      return { claims }
    },
    shape(req, url, body, admission) {
      const executor = runtimeKey !== undefined && req.method === 'POST' && body
      const call: ExecutorCall | undefined = executor ? executorCall(body) : undefined
      if (!admission.claims && !call) return undefined
      const headers = new Headers(req.headers)
      if (admission.claims) for (const name of TOKEN_HEADERS) headers.delete(name)
      if (call) headers.delete('content-length')
      const request = new Request(url, {
        method: req.method,
        headers,
        body: call ? call.payload : body,
      })
      const out: GuestCall = { request }
      if (admission.claims) out.auth = { claims: admission.claims }
      if (call?.env) out.env = call.env
      if (call?.timeoutS !== undefined) out.timeoutS = call.timeoutS
      return out
    },
  }
}

/** A gate for hosts built without a config: private functions fail closed. */
export const closedGate: Gate = {
  async admit(_req, _url, spec) {
    if (spec?.config.private)
      throw unauthorized(
        `${spec.name} is a private function and this host has no JWT key configured`,
      )
    return {}
  },
  shape: () => undefined,
}
