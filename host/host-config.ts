import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as z from 'zod'
import { functionConfigSchema } from './config.js'
import { kvOptionsSchema } from './kv/options.js'

/** The host configuration file, at the root of the functions folder (never a function). */
export const HOST_CONFIG_FILE = 'fnhost.json'

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])

/** `host:port` a guest's fetch may reach although the address is private (e.g. '127.0.0.1:8081'). */
const hostPort = z
  .string()
  .regex(/^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'an entry is host:port')

export const hostConfigSchema = z.strictObject({
  auth: z
    .strictObject({
      /** HMAC secret (HS256/384/512); FNHOST_JWT_SECRET overrides it. */
      jwtSecret: z.string().min(32, 'an HMAC secret has at least 32 characters').optional(),
      /** A public key file, PEM (SPKI) or JWK, relative to the functions folder. */
      publicKeyFile: z.string().min(1).optional(),
      /** The private key that `fnhost token` signs with when the host verifies with a public key. */
      privateKeyFile: z.string().min(1).optional(),
      jwksUrl: z.url({ protocol: /^https?$/ }).optional(),
      /** Shortest time between two fetches of the key set (an unknown `kid` triggers one). */
      jwksCooldownMs: z.number().int().min(0).max(3_600_000).optional(),
      /** How long a fetched key set is used before it is fetched again. */
      jwksCacheMaxAgeMs: z.number().int().min(0).max(86_400_000).optional(),
      issuer: stringOrList.optional(),
      audience: stringOrList.optional(),
      clockToleranceS: z.number().int().min(0).max(300).optional(),
      /** Open Runtimes executor mode; INTERNAL_RUNTIME_KEY overrides it. */
      internalRuntimeKey: z.string().min(1).optional(),
    })
    .optional(),
  admin: z
    .strictObject({
      /** Turns the management API on; FNHOST_ADMIN_KEY overrides it. */
      key: z.string().min(16, 'an admin key has at least 16 characters').optional(),
      maxUploadBytes: z
        .strictObject({
          js: z
            .number()
            .int()
            .min(1)
            .max(64 * 1024 * 1024)
            .optional(),
          wasm: z
            .number()
            .int()
            .min(1)
            .max(64 * 1024 * 1024)
            .optional(),
          config: z
            .number()
            .int()
            .min(1)
            .max(1024 * 1024)
            .optional(),
        })
        .optional(),
    })
    .optional(),
  fetch: z
    .strictObject({
      allowPrivate: z.array(hostPort).optional(),
    })
    .optional(),
  /** The key-value store: backend (sqlite, redis) and limits. */
  kv: kvOptionsSchema.optional(),
  /** Defaults for every function's limits; a function's own config wins. */
  limits: functionConfigSchema
    .pick({ timeoutMs: true, memoryMb: true, maxBodyBytes: true, concurrency: true })
    .optional(),
})

export type HostConfig = z.infer<typeof hostConfigSchema>

export class HostConfigError extends Error {
  override readonly name = 'HostConfigError'
}

/** Reads and validates `fnhost.json` in `dir`; a missing file is an empty config. */
export async function readHostConfig(dir: string): Promise<HostConfig> {
  let text: string
  try {
    text = await readFile(join(dir, HOST_CONFIG_FILE), 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    // A missing folder is reported by the registry, with a hint.
    if (code === 'ENOENT' || code === 'ENOTDIR') return {}
    throw e
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    throw new HostConfigError(`${HOST_CONFIG_FILE}: not valid JSON (${(e as Error).message})`)
  }
  return parseHostConfig(raw)
}

export function parseHostConfig(raw: unknown): HostConfig {
  const parsed = hostConfigSchema.safeParse(raw)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(config)'}: ${i.message}`)
    .join('; ')
  throw new HostConfigError(`invalid ${HOST_CONFIG_FILE}: ${problems}`)
}

/** Environment variables that override `fnhost.json` (CLI flags override both). */
export function hostConfigFromEnv(env: NodeJS.ProcessEnv): HostConfig {
  const auth: NonNullable<HostConfig['auth']> = {}
  if (env.FNHOST_JWT_SECRET) auth.jwtSecret = env.FNHOST_JWT_SECRET
  if (env.FNHOST_JWT_PUBLIC_KEY) auth.publicKeyFile = env.FNHOST_JWT_PUBLIC_KEY
  if (env.FNHOST_JWT_PRIVATE_KEY) auth.privateKeyFile = env.FNHOST_JWT_PRIVATE_KEY
  if (env.FNHOST_JWKS_URL) auth.jwksUrl = env.FNHOST_JWKS_URL
  if (env.FNHOST_JWT_ISSUER) auth.issuer = env.FNHOST_JWT_ISSUER
  if (env.FNHOST_JWT_AUDIENCE) auth.audience = env.FNHOST_JWT_AUDIENCE
  if (env.INTERNAL_RUNTIME_KEY) auth.internalRuntimeKey = env.INTERNAL_RUNTIME_KEY
  const config: HostConfig = {}
  if (Object.keys(auth).length) config.auth = auth
  if (env.FNHOST_ADMIN_KEY) config.admin = { key: env.FNHOST_ADMIN_KEY }
  return config
}

const KEY_SOURCES = ['jwtSecret', 'publicKeyFile', 'jwksUrl'] as const

/**
 * Later layers win, key by key inside each section; a JWT key source replaces the one below it
 * (an HMAC secret from the environment overrides a JWKS URL in the file). Validated again.
 */
export function mergeHostConfig(...layers: HostConfig[]): HostConfig {
  const out: Record<string, Record<string, unknown>> = {}
  for (const layer of layers)
    for (const [section, values] of Object.entries(layer)) {
      if (values === undefined) continue
      const below = { ...out[section] }
      if (section === 'auth' && KEY_SOURCES.some((k) => k in values))
        for (const k of KEY_SOURCES) delete below[k]
      out[section] = { ...below, ...values }
    }
  return parseHostConfig(out)
}
