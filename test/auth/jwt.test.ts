import { SignJWT, UnsecuredJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import type { HostConfig } from '../../host/host-config.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, type TestHost } from '../helpers/host.js'
import { jwksServer, keyPair, now, sign, type JwksServer } from './keys.js'

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256'
const enc = new TextEncoder()

/** Private functions of the three JS conventions, each showing what reached it. */
const FUNCTIONS = {
  'secret.js': `
    export const config = { private: true }
    export default {
      fetch(req, env, ctx) {
        return Response.json({
          claims: ctx.auth?.claims ?? null,
          authorization: req.headers.get('authorization'),
          xAuthToken: req.headers.get('x-auth-token'),
        })
      },
    }`,
  'event.js': `
    export const config = { private: true }
    export function handle(event) {
      return { claims: event.requestContext.authorizer?.claims ?? null, headers: event.headers }
    }`,
  'or.cjs': `
    exports.config = { private: true }
    module.exports = async (req, res) => res.json({ auth: req.auth ?? null, headers: req.headers })`,
  'public.js': `export default { fetch: (req, env, ctx) => Response.json({ auth: ctx.auth ?? null }) }`,
}

describe('private functions: JWT verification over a real socket', () => {
  let dir: TempDir
  let host: TestHost | undefined
  let jwks: JwksServer | undefined
  afterEach(async () => {
    await host?.[Symbol.asyncDispose]()
    host = undefined
    await jwks?.close()
    jwks = undefined
    await dir?.[Symbol.asyncDispose]()
  })

  async function start(config: HostConfig, files: Record<string, string> = {}) {
    dir = await functionsDir({ ...FUNCTIONS, ...files })
    host = await startHost('real server', { dir: dir.path, config })
    return host
  }

  async function get(path: string, token?: string, header = 'authorization') {
    const headers: Record<string, string> = {}
    if (token !== undefined)
      headers[header] = header === 'authorization' ? `Bearer ${token}` : token
    const res = await host!.call(path, { headers })
    return { res, body: (await res.json()) as Record<string, unknown> }
  }

  /** 401 with the Bearer challenge, a message matching `why`, and never the token itself. */
  async function refused(token: string | undefined, why: RegExp, path = '/secret') {
    const { res, body } = await get(path, token)
    expect(res.status, String(body.message)).toBe(401)
    expect(body.error).toBe('UNAUTHORIZED')
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/)
    expect(body.message).toMatch(why)
    if (token) {
      expect(JSON.stringify(body)).not.toContain(token.slice(-20))
      expect(res.headers.get('www-authenticate')).not.toContain(token.slice(-20))
    }
  }

  const hs = (claims: Record<string, unknown>, secret = SECRET) =>
    sign({ scope: 'invoke:*', ...claims }, enc.encode(secret), 'HS256')

  it('HS256: a valid token reaches every convention with its claims, the token header does not', async () => {
    await start({ auth: { jwtSecret: SECRET } })
    const token = await hs({ sub: 'ada', scope: 'invoke:secret invoke:event invoke:or' })
    const fetchStyle = await get('/secret', token)
    expect(fetchStyle.res.status).toBe(200)
    expect(fetchStyle.body).toMatchObject({
      claims: { sub: 'ada' },
      authorization: null,
      xAuthToken: null,
    })
    const event = await get('/event', token, 'x-auth-token')
    expect(event.res.status).toBe(200)
    expect(event.body.claims).toMatchObject({ sub: 'ada' })
    expect(event.body.headers).not.toHaveProperty('x-auth-token')
    const or = await get('/or', token)
    expect(or.res.status).toBe(200)
    expect(or.body.auth).toMatchObject({
      sub: 'ada',
      scope: 'invoke:secret invoke:event invoke:or',
    })
    expect(or.body.headers).not.toHaveProperty('authorization')
    // A public function is served without a token, and without claims.
    expect((await get('/public')).body).toEqual({ auth: null })
  })

  it('refuses missing, malformed, expired, not-yet-valid, badly signed, unsecured and oversized tokens', async () => {
    await start({ auth: { jwtSecret: SECRET } })
    await refused(undefined, /private.*Authorization: Bearer/)
    await refused('not-a-jwt', /malformed/)
    await refused('abc.def.ghi', /malformed/)
    await refused(await hs({ exp: now() - 3600 }), /expired/)
    await refused(await hs({ nbf: now() + 3600 }), /not valid yet/)
    await refused(await hs({}, 'another-secret-of-enough-length-for-hs256!'), /signature/)
    const unsecured = new UnsecuredJWT({ scope: 'invoke:*' }).setExpirationTime('1h').encode()
    await refused(unsecured, /algorithm is not accepted|malformed/)
    const noExp = await new SignJWT({ scope: 'invoke:*' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(enc.encode(SECRET))
    await refused(noExp, /no exp claim/)
    const huge = await hs({ pad: 'x'.repeat(9000) })
    await refused(huge, /over 8192 bytes/)
  })

  it('allows a small clock skew and no more', async () => {
    await start({ auth: { jwtSecret: SECRET, clockToleranceS: 30 } })
    expect((await get('/secret', await hs({ exp: now() - 5 }))).res.status).toBe(200)
    await refused(await hs({ exp: now() - 120 }), /expired/)
    expect((await get('/secret', await hs({ nbf: now() + 5 }))).res.status).toBe(200)
  })

  it('never takes a token from the query string', async () => {
    await start({ auth: { jwtSecret: SECRET } })
    const token = await hs({})
    const res = await host!.call(`/secret?token=${token}`)
    const body = (await res.json()) as Record<string, unknown>
    expect(res.status).toBe(401)
    expect(body.message).toMatch(/not accepted in the query string/)
    expect(JSON.stringify(body)).not.toContain(token.slice(-20))
    const access = await host!.call(`/secret?access_token=${token}`)
    expect(access.status).toBe(401)
  })

  it('checks iss and aud when configured', async () => {
    await start({
      auth: {
        jwtSecret: SECRET,
        issuer: 'https://issuer.test',
        audience: ['fnhost', 'fnhöst "2"'],
      },
    })
    const good = { iss: 'https://issuer.test', aud: 'fnhost' }
    expect((await get('/secret', await hs(good))).res.status).toBe(200)
    await refused(
      await hs({ ...good, iss: 'https://evil.test' }),
      /issuer \(iss\) is missing or wrong/,
    )
    await refused(
      await hs({ ...good, aud: 'someone-else' }),
      /audience \(aud\) is missing or wrong/,
    )
    await refused(await hs({ aud: 'fnhost' }), /issuer|iss/)
    const { res } = await get('/secret', await hs({ ...good, aud: 'x' }))
    expect(res.headers.get('www-authenticate')).toMatch(/expected fnhost or fnh\?st '2'"$/)
  })

  it('answers 403 FORBIDDEN to a valid token scoped to another function', async () => {
    await start({ auth: { jwtSecret: SECRET } })
    const { res, body } = await get('/secret', await hs({ scope: 'invoke:event' }))
    expect(res.status).toBe(403)
    expect(body.error).toBe('FORBIDDEN')
    expect(body.message).toMatch(/invoke:secret/)
    expect((await get('/secret', await hs({ scope: 'read invoke:secret' }))).res.status).toBe(200)
    expect((await get('/secret', await hs({ scope: undefined }))).res.status).toBe(403)
  })

  for (const [alg, format] of [
    ['RS256', 'pem'],
    ['ES256', 'jwk'],
    ['EdDSA', 'pem'],
  ] as const) {
    it(`${alg}: verifies with a public key file (${format})`, async () => {
      const pair = await keyPair(alg)
      const keyFile = format === 'pem' ? 'key.pem' : 'key.jwk'
      const key = format === 'pem' ? pair.publicPem : JSON.stringify(pair.publicJwk)
      await start({ auth: { publicKeyFile: keyFile } }, { [keyFile]: key })
      const token = await sign({ scope: 'invoke:secret', sub: alg }, pair.privateKey, alg)
      const ok = await get('/secret', token)
      expect(ok.res.status).toBe(200)
      expect(ok.body.claims).toMatchObject({ sub: alg })
      const other = await keyPair(alg)
      await refused(await sign({ scope: 'invoke:*' }, other.privateKey, alg), /signature/)
    })
  }

  it('refuses HS256 signed with the RSA public key as the secret (algorithm confusion)', async () => {
    const pair = await keyPair('RS256')
    dir = await functionsDir({ ...FUNCTIONS, 'key.pem': pair.publicPem })
    host = await startHost('real server', {
      dir: dir.path,
      config: { auth: { publicKeyFile: 'key.pem' } },
    })
    const forged = await sign({ scope: 'invoke:*' }, enc.encode(pair.publicPem), 'HS256')
    await refused(forged, /algorithm is not accepted.*RS256/)
  })

  it('JWKS: verifies by kid, follows a rotation to a new kid', async () => {
    const a = await keyPair('ES256', 'key-a')
    const b = await keyPair('RS256', 'key-b')
    jwks = await jwksServer([a.publicJwk])
    await start({ auth: { jwksUrl: jwks.url, jwksCooldownMs: 0 } })
    const tokenA = await sign({ scope: 'invoke:*' }, a.privateKey, 'ES256', 'key-a')
    expect((await get('/secret', tokenA)).res.status).toBe(200)
    jwks.keys = [b.publicJwk]
    const tokenB = await sign({ scope: 'invoke:*' }, b.privateKey, 'RS256', 'key-b')
    expect((await get('/secret', tokenB)).res.status).toBe(200)
    // key-a is cached but gone from the set: an unknown kid refetches, and key-a stays known only
    // until the set replaces it.
    const tokenC = await sign({ scope: 'invoke:*' }, a.privateKey, 'ES256', 'key-c')
    await refused(tokenC, /no key in the key set matches/)
    // An HMAC token never verifies against a key set.
    await refused(await hs({ scope: 'invoke:*' }), /algorithm is not accepted/)
  })

  it('JWKS down: cached keys keep working (200), without a cached key it is a clear 401', async () => {
    const a = await keyPair('EdDSA', 'key-a')
    jwks = await jwksServer([a.publicJwk])
    // cacheMaxAge 0: every verification refetches, so the fallback to cached keys is what serves.
    await start({ auth: { jwksUrl: jwks.url, jwksCacheMaxAgeMs: 0, jwksCooldownMs: 0 } })
    const token = await sign({ scope: 'invoke:*' }, a.privateKey, 'EdDSA', 'key-a')
    expect((await get('/secret', token)).res.status).toBe(200)
    const url = jwks.url
    await jwks.close()
    jwks = undefined
    expect((await get('/secret', token)).res.status).toBe(200)
    const unknown = await sign({ scope: 'invoke:*' }, a.privateKey, 'EdDSA', 'key-z')
    await refused(unknown, /could not be fetched/)

    await host![Symbol.asyncDispose]()
    host = await startHost('real server', { dir: dir.path, config: { auth: { jwksUrl: url } } })
    await refused(
      token,
      /key set at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json could not be fetched/,
    )
  })
})
