import { SignJWT } from 'jose'
import type { HostConfig } from '../host-config.js'
import type { SignKey } from './keys.js'

/** Longest lifetime a minted token may have. */
export const MAX_TTL_S = 366 * 24 * 3600

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }

export class MintError extends Error {
  override readonly name = 'MintError'
}

/** '90', '90s', '15m', '1h', '7d' -> seconds. */
export function parseTtl(text: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(text.trim())
  const seconds = m ? Number(m[1]) * (UNITS[m[2] || 's'] as number) : NaN
  if (!(seconds > 0) || seconds > MAX_TTL_S)
    throw new MintError(
      `a ttl is a duration such as 90s, 15m, 1h or 7d, up to 366d (got '${text}')`,
    )
  return seconds
}

export interface MintOptions {
  /** A function name, or '*' for every function. */
  fn: string
  ttlS: number
  subject?: string
}

/** A token for `fn`, signed with the host's secret or private key, with the configured iss/aud. */
export async function mintToken(
  key: SignKey,
  auth: HostConfig['auth'],
  options: MintOptions,
): Promise<{ token: string; expiresAt: number }> {
  const now = Math.floor(Date.now() / 1000)
  const jwt = new SignJWT({ scope: `invoke:${options.fn}` })
    .setProtectedHeader(key.kid ? { alg: key.alg, kid: key.kid } : { alg: key.alg })
    .setIssuedAt(now)
    .setExpirationTime(now + options.ttlS)
  const issuer = [auth?.issuer].flat()[0]
  const audience = [auth?.audience].flat()[0]
  if (issuer) jwt.setIssuer(issuer)
  if (audience) jwt.setAudience(audience)
  if (options.subject) jwt.setSubject(options.subject)
  return { token: await jwt.sign(key.key), expiresAt: now + options.ttlS }
}
