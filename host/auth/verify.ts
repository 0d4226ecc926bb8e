import { errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose'
import { FnhostError } from '../errors.js'
import type { HostConfig } from '../host-config.js'
import { KeySetUnreachable, type VerifyKey } from './keys.js'

/** Tokens longer than this are refused before anything parses them. */
export const MAX_TOKEN_BYTES = 8 * 1024
/** Clock skew allowed on exp and nbf unless configured. */
export const DEFAULT_CLOCK_TOLERANCE_S = 30

export type Claims = Record<string, unknown>

/** 401 with the Bearer challenge RFC 6750 asks for; the message says what was wrong, never the token. */
export function unauthorized(message: string): FnhostError {
  // A header value is printable ASCII here: configured issuers or audiences may not be.
  const description = message.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?')
  return new FnhostError('UNAUTHORIZED', message, {
    headers: {
      'www-authenticate': `Bearer error="invalid_token", error_description="${description}"`,
    },
  })
}

function claimProblem(e: errors.JWTClaimValidationFailed, auth: HostConfig['auth']): string {
  switch (e.claim) {
    case 'exp':
      return 'the token has no exp claim; tokens for this host must expire'
    case 'nbf':
      return 'the token is not valid yet (its nbf is in the future)'
    case 'iat':
      return 'the token was issued in the future (iat)'
    case 'iss':
      return `the token's issuer (iss) is missing or wrong; expected ${[auth?.issuer].flat().join(' or ')}`
    case 'aud':
      return `the token's audience (aud) is missing or wrong; expected ${[auth?.audience].flat().join(' or ')}`
    default:
      return `the token's ${e.claim} claim is invalid (${e.reason})`
  }
}

/** Why a token failed, in words a caller can act on. */
function describeFailure(e: unknown, key: VerifyKey, auth: HostConfig['auth']): string {
  if (e instanceof errors.JWTExpired) return 'the token has expired (exp)'
  if (e instanceof errors.JWTClaimValidationFailed) return claimProblem(e, auth)
  if (e instanceof errors.JOSEAlgNotAllowed)
    return `the token's algorithm is not accepted with ${key.source}; accepted: ${key.algorithms.join(', ')}`
  if (e instanceof errors.JWSSignatureVerificationFailed)
    return `the token's signature does not verify with ${key.source}`
  if (e instanceof errors.JWKSNoMatchingKey)
    return 'no key in the key set matches the token (check its kid)'
  if (e instanceof KeySetUnreachable)
    return `${e.message} and no cached key matches the token; try again later`
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid)
    return 'the token is malformed (expected a compact JWS: three base64url parts)'
  if (e instanceof errors.JOSENotSupported)
    return "the token's algorithm or key type is not supported"
  if (e instanceof errors.JOSEError) return `the token is invalid (${e.code})`
  throw e
}

export interface TokenVerifier {
  verify(token: string): Promise<Claims>
}

export function createVerifier(key: VerifyKey, auth: HostConfig['auth']): TokenVerifier {
  const options: JWTVerifyOptions = {
    algorithms: key.algorithms,
    requiredClaims: ['exp'],
    clockTolerance: auth?.clockToleranceS ?? DEFAULT_CLOCK_TOLERANCE_S,
  }
  if (auth?.issuer !== undefined) options.issuer = auth.issuer
  if (auth?.audience !== undefined) options.audience = auth.audience
  return {
    async verify(token) {
      if (Buffer.byteLength(token) > MAX_TOKEN_BYTES)
        throw unauthorized(`the token is over ${MAX_TOKEN_BYTES} bytes`)
      let payload: JWTPayload
      try {
        // jose's overloads split a key from a key-set function; both are handled the same here.
        payload = (await jwtVerify(token, key.key as Uint8Array, options)).payload
      } catch (e) {
        throw unauthorized(describeFailure(e, key, auth))
      }
      return payload as Claims
    },
  }
}

/** The `scope` claim (space separated) must grant `invoke:<fn>` or `invoke:*`. */
export function checkScope(claims: Claims, fn: string): void {
  const scope = typeof claims.scope === 'string' ? claims.scope.split(' ') : []
  if (scope.includes(`invoke:${fn}`) || scope.includes('invoke:*')) return
  throw new FnhostError(
    'FORBIDDEN',
    `the token does not grant invoke:${fn}; its scope claim must hold invoke:${fn} or invoke:*`,
  )
}
