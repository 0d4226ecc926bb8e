import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose'

export type Alg = 'RS256' | 'ES256' | 'EdDSA'

export interface KeyPair {
  alg: Alg
  privateKey: CryptoKey
  publicPem: string
  publicJwk: JWK
}

export async function keyPair(alg: Alg, kid?: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const publicJwk = await exportJWK(publicKey)
  if (kid) Object.assign(publicJwk, { kid, alg, use: 'sig' })
  return { alg, privateKey, publicPem: await exportSPKI(publicKey), publicJwk }
}

export const now = () => Math.floor(Date.now() / 1000)

/** A token with `claims` (exp one hour ahead unless given) signed by `key` under `alg`. */
export function sign(
  claims: JWTPayload,
  key: CryptoKey | Uint8Array,
  alg: string,
  kid?: string,
): Promise<string> {
  return new SignJWT({ exp: now() + 3600, ...claims })
    .setProtectedHeader(kid ? { alg, kid } : { alg })
    .sign(key)
}

/** A JWKS endpoint on loopback whose key set a test can change, or stop. */
export interface JwksServer {
  url: string
  keys: JWK[]
  fetches: number
  close(): Promise<void>
}

export async function jwksServer(keys: JWK[]): Promise<JwksServer> {
  const state = { keys, fetches: 0 }
  const server: Server = createServer((req, res) => {
    state.fetches++
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ keys: state.keys }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get keys() {
      return state.keys
    },
    set keys(k: JWK[]) {
      state.keys = k
    },
    get fetches() {
      return state.fetches
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
