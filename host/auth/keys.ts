import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JWTVerifyGetKey,
  type JWSHeaderParameters,
  type FlattenedJWSInput,
} from 'jose'
import type { HostConfig } from '../host-config.js'

/** What a token is checked against: a key (or key set) and the only algorithms allowed with it. */
export interface VerifyKey {
  key: KeyObject | Uint8Array | JWTVerifyGetKey
  algorithms: string[]
  /** Says where the keys come from, for messages. */
  source: string
}

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512']
/** Every asymmetric algorithm a key set may use; each key in the set is pinned further by its own type. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]

const CURVE_ALGORITHM: Record<string, string> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
}

/** The algorithms a key of this type signs with: never HMAC for a public key, never another type's. */
export function algorithmsFor(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512']
    case 'ec': {
      const alg = CURVE_ALGORITHM[key.asymmetricKeyDetails?.namedCurve ?? '']
      if (!alg) throw new Error(`unsupported EC curve ${key.asymmetricKeyDetails?.namedCurve}`)
      return [alg]
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519']
    default:
      throw new Error(`unsupported key type ${key.asymmetricKeyType ?? 'secret'}`)
  }
}

export class KeyConfigError extends Error {
  override readonly name = 'KeyConfigError'
}

function keyPath(dir: string, file: string): string {
  return isAbsolute(file) ? file : resolve(dir, file)
}

/** A PEM or JWK file, parsed by Node's crypto: public from `createPublicKey`, private otherwise. */
async function readKeyFile(
  path: string,
  kind: 'public' | 'private',
): Promise<{ key: KeyObject; jwk?: Record<string, unknown> }> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new KeyConfigError(`cannot read the ${kind} key file ${path}: ${(e as Error).message}`)
  }
  const make = kind === 'public' ? createPublicKey : createPrivateKey
  try {
    if (text.trimStart().startsWith('{')) {
      const jwk = JSON.parse(text) as Record<string, unknown>
      return { key: make({ key: jwk as never, format: 'jwk' }), jwk }
    }
    return { key: make(text) }
  } catch (e) {
    throw new KeyConfigError(`${path} is not a PEM or JWK ${kind} key: ${(e as Error).message}`)
  }
}

/**
 * A remote key set that keeps serving its last keys while the endpoint is down: jose refetches a
 * stale set before each use and fails if that fetch fails, which would lock every caller out.
 */
function resilientKeySet(url: URL, auth: NonNullable<HostConfig['auth']>): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url, {
    cooldownDuration: auth.jwksCooldownMs ?? 30_000,
    cacheMaxAge: auth.jwksCacheMaxAgeMs ?? 600_000,
    timeoutDuration: 5_000,
  })
  return async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    try {
      return await remote(header, token)
    } catch (e) {
      const cached = remote.jwks()
      if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys)
        throw e
      if (!cached) throw new KeySetUnreachable(url, e)
      try {
        return await createLocalJWKSet(cached)(header, token)
      } catch (inner) {
        if (inner instanceof errors.JWKSNoMatchingKey) throw new KeySetUnreachable(url, e)
        throw inner
      }
    }
  }
}

export class KeySetUnreachable extends Error {
  override readonly name = 'KeySetUnreachable'
  constructor(url: URL, cause: unknown) {
    super(`the key set at ${url.origin}${url.pathname} could not be fetched`, { cause })
  }
}

/** The verification key from the host config, or undefined when no key source is configured. */
export async function verifyKeyFrom(
  auth: HostConfig['auth'],
  dir: string,
): Promise<VerifyKey | undefined> {
  if (!auth) return undefined
  const sources = [auth.jwtSecret, auth.publicKeyFile, auth.jwksUrl].filter((s) => s !== undefined)
  if (sources.length > 1)
    throw new KeyConfigError(
      'configure one JWT key source: jwtSecret (FNHOST_JWT_SECRET), publicKeyFile or jwksUrl',
    )
  if (auth.jwtSecret !== undefined)
    return {
      key: new TextEncoder().encode(auth.jwtSecret),
      algorithms: HMAC_ALGORITHMS,
      source: 'the HMAC secret',
    }
  if (auth.publicKeyFile !== undefined) {
    const path = keyPath(dir, auth.publicKeyFile)
    const { key, jwk } = await readKeyFile(path, 'public')
    const allowed = algorithmsFor(key)
    const pinned = typeof jwk?.alg === 'string' ? [jwk.alg] : allowed
    if (!pinned.every((a) => allowed.includes(a)))
      throw new KeyConfigError(
        `${path}: alg ${String(jwk?.alg)} does not fit a ${key.asymmetricKeyType} key`,
      )
    return { key, algorithms: pinned, source: 'the public key' }
  }
  if (auth.jwksUrl !== undefined) {
    const url = new URL(auth.jwksUrl)
    return {
      key: resilientKeySet(url, auth),
      algorithms: ASYMMETRIC_ALGORITHMS,
      source: 'the key set',
    }
  }
  return undefined
}

/** What `fnhost token` and the admin API sign with: the HMAC secret or the private key file. */
export interface SignKey {
  key: KeyObject | Uint8Array
  alg: string
  kid?: string
}

export async function signKeyFrom(
  auth: HostConfig['auth'],
  dir: string,
): Promise<SignKey | undefined> {
  if (auth?.jwtSecret !== undefined)
    return { key: new TextEncoder().encode(auth.jwtSecret), alg: 'HS256' }
  if (auth?.privateKeyFile !== undefined) {
    const { key, jwk } = await readKeyFile(keyPath(dir, auth.privateKeyFile), 'private')
    const alg = typeof jwk?.alg === 'string' ? jwk.alg : (algorithmsFor(key)[0] as string)
    return { key, alg, kid: typeof jwk?.kid === 'string' ? jwk.kid : undefined }
  }
  return undefined
}
