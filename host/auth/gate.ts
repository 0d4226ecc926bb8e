import type { HostConfig } from '../host-config.js'
import type { HttpInvocation } from '../invocation.js'
import type { FunctionSpec } from '../types.js'
import { checkChallenge, executorCall, type ExecutorCall } from './executor.js'
import { verifyKeyFrom } from './keys.js'
import { TOKEN_HEADERS, tokenFrom, type HeaderReader } from './token-header.js'
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

/** A request's invocation as the gate shaped it, and a lower deadline if the caller set one. */
export interface GuestCall {
  inv: HttpInvocation
  timeoutS?: number
}

/**
 * Who may call a function: private functions need a verified JWT with the right scope; in Open
 * Runtimes executor mode every call needs the shared challenge, a function that failed to load
 * (no spec) included. Runs before the body is read.
 */
export interface Gate {
  admit(headers: HeaderReader, url: URL, spec: FunctionSpec | undefined): Promise<Admission>
  /** The invocation as the guest sees it: the token header gone, an executor body unwrapped. */
  shape(inv: HttpInvocation, admission: Admission): GuestCall
}

export async function createGate(config: HostConfig, dir: string): Promise<Gate> {
  const key = await verifyKeyFrom(config.auth, dir)
  const verifier: TokenVerifier | undefined = key && createVerifier(key, config.auth)
  const runtimeKey = config.auth?.internalRuntimeKey
  return {
    async admit(headers, url, spec) {
      if (runtimeKey !== undefined) checkChallenge(headers, runtimeKey)
      if (!spec?.config.private) return {}
      if (!verifier)
        throw unauthorized(
          `${spec.name} is a private function and this host has no JWT key configured (FNHOST_JWT_SECRET, a public key or a JWKS URL in fnhost.json)`,
        )
      const claims = await verifier.verify(tokenFrom(headers, url))
      checkScope(claims, spec.name)
      return { claims }
    },
    shape(inv, admission) {
      const executor = runtimeKey !== undefined && inv.method === 'POST' && inv.body
      const call: ExecutorCall | undefined = executor ? executorCall(inv.body!) : undefined
      if (!admission.claims && !call) return { inv }
      let headers = inv.headers
      if (admission.claims)
        headers = headers.filter(([name]) => !(TOKEN_HEADERS as readonly string[]).includes(name))
      if (call) headers = headers.filter(([name]) => name !== 'content-length')
      const out: HttpInvocation = { ...inv, headers, body: call ? call.payload : inv.body }
      if (admission.claims) out.auth = { claims: admission.claims }
      if (call?.env) out.env = call.env
      return { inv: out, timeoutS: call?.timeoutS }
    },
  }
}

/** A gate for hosts built without a config: private functions fail closed. */
export const closedGate: Gate = {
  async admit(_headers, _url, spec) {
    if (spec?.config.private)
      throw unauthorized(
        `${spec.name} is a private function and this host has no JWT key configured`,
      )
    return {}
  },
  shape: (inv) => ({ inv }),
}
