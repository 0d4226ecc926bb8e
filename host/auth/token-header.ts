import { MAX_TOKEN_BYTES, unauthorized } from './verify.js'

/** Enough of a request's headers to read one (a Web Headers, or the host's view of a Node request). */
export interface HeaderReader {
  get(name: string): string | null
}

/** Headers a token may come in: the standard one, and the one Scaleway's functions use. */
export const TOKEN_HEADERS = ['authorization', 'x-auth-token'] as const

/** Query parameters some clients put tokens in; named only to say they are refused. */
const QUERY_TOKEN_NAMES = ['token', 'access_token', 'jwt', 'auth']

/** The caller's token from `Authorization: Bearer` or `X-Auth-Token`; never the query string. */
export function tokenFrom(headers: HeaderReader, url: URL): string {
  const authorization = headers.get('authorization')
  const header = headers.get('x-auth-token')
  let token: string | undefined
  if (authorization !== null) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization)
    if (!m) {
      if (authorization.length > MAX_TOKEN_BYTES)
        throw unauthorized(`the token is over ${MAX_TOKEN_BYTES} bytes`)
      throw unauthorized('the Authorization header must be "Bearer <token>"')
    }
    token = m[1]
  } else if (header !== null) token = header.trim()
  if (token) return token
  if (QUERY_TOKEN_NAMES.some((n) => url.searchParams.has(n)))
    throw unauthorized(
      'tokens are not accepted in the query string; send Authorization: Bearer <token> or X-Auth-Token',
    )
  throw unauthorized(
    'this function is private: send a token in Authorization: Bearer <token> or X-Auth-Token',
  )
}
