import { hostConfigFromEnv, mergeHostConfig, type HostConfig } from '../host-config.js'

/** Flags that override fnhost.json (and the environment variables, which override it too). */
export const CONFIG_FLAGS = {
  'jwt-public-key': { type: 'string' },
  'jwks-url': { type: 'string' },
  'jwt-issuer': { type: 'string' },
  'jwt-audience': { type: 'string' },
} as const

export const CONFIG_USAGE =
  '  [--jwt-public-key FILE] [--jwks-url URL] [--jwt-issuer ISS] [--jwt-audience AUD]\n' +
  '  override fnhost.json; secrets come from FNHOST_JWT_SECRET, FNHOST_ADMIN_KEY and\n' +
  '  INTERNAL_RUNTIME_KEY (environment variables are never echoed)'

type Values = { [K in keyof typeof CONFIG_FLAGS]?: string }

/** Environment variables, then flags, as overrides of the folder's fnhost.json. */
export function configOverrides(values: Values, env: NodeJS.ProcessEnv): HostConfig {
  const auth: NonNullable<HostConfig['auth']> = {}
  if (values['jwt-public-key']) auth.publicKeyFile = values['jwt-public-key']
  if (values['jwks-url']) auth.jwksUrl = values['jwks-url']
  if (values['jwt-issuer']) auth.issuer = values['jwt-issuer']
  if (values['jwt-audience']) auth.audience = values['jwt-audience']
  return mergeHostConfig(hostConfigFromEnv(env), Object.keys(auth).length ? { auth } : {})
}
