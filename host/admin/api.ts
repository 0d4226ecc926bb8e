import { Hono, type Context } from 'hono'
import type { HostConfig } from '../host-config.js'
import { constantTimeEqual } from '../auth/executor.js'
import type { SignKey } from '../auth/keys.js'
import { mintToken, MintError, parseTtl } from '../auth/mint.js'
import { devAccessRefusal } from '../loopback.js'
import { FnhostError } from '../errors.js'
import { kvAdminRoutes } from '../kv/admin-routes.js'
import type { KvStore } from '../kv/store.js'
import { readBody } from '../http/body.js'
import { devRefused } from '../observe/admin-key.js'
import type { Logger } from '../observe/log.js'
import type { Registry } from '../registry/registry.js'
import { deploy, findByName, remove, setRoute } from './deploy.js'
import { describe } from './describe.js'
import { invokeOnce } from './invoke.js'
import { functionNameFrom, UPLOAD_LIMITS } from './names.js'
import { readUpload } from './upload.js'

export interface AdminOptions {
  registry: Registry
  logger: Logger
  /** The admin key; without one the API is off. */
  key?: string
  /** `fnhost serve --dev`: loopback, same-origin requests need no key (see host/loopback.ts). */
  dev?: boolean
  limits?: Partial<typeof UPLOAD_LIMITS>
  /** What tokens are minted with (POST /tokens), and the iss/aud they carry. */
  signKey?: SignKey
  auth?: HostConfig['auth']
  /** The host's key-value store: its routes (host/kv/admin-routes.ts) join the API. */
  kv?: KvStore
}

type Env = { Variables: { requestId: string } }

const JSON_LIMIT = 64 * 1024

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const bytes = await readBody(c.req.raw, JSON_LIMIT)
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder().decode(bytes ?? new Uint8Array()))
  } catch {
    throw new FnhostError('BAD_REQUEST', 'the request body must be a JSON object')
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new FnhostError('BAD_REQUEST', 'the request body must be a JSON object')
  return value as Record<string, unknown>
}

/** The function name in the raw path after /functions/ (percent-encoding kept until checked). */
function nameIn(c: Context, suffix = ''): string {
  const path = new URL(c.req.url).pathname
  const at = path.indexOf('/functions/')
  const raw = path.slice(at + '/functions/'.length, path.length - suffix.length)
  return functionNameFrom(raw)
}

/** The management API: deploy, list and remove functions and routes, mint tokens. */
export function adminApi(options: AdminOptions): Hono<Env> {
  const { registry, logger, key } = options
  const limits = { ...UPLOAD_LIMITS, ...options.limits }
  const app = new Hono<Env>()
  const audit = (c: Context, action: string, fn: string, detail = '') =>
    logger.info(`admin ${action} ${fn}${detail ? ' ' + detail : ''}`, {
      audit: action,
      fn,
      requestId: c.get('requestId') as string,
    })

  app.use(async (c, next) => {
    const refusal = options.dev ? devAccessRefusal(c) : undefined
    if (options.dev && refusal === undefined) return next()
    if (key === undefined && refusal !== undefined) throw devRefused(refusal)
    if (key === undefined)
      throw new FnhostError(
        'FUNCTION_NOT_FOUND',
        'the management API is off; set FNHOST_ADMIN_KEY (or admin.key in fnhost.json) to turn it on',
      )
    const m = /^Bearer[ \t]+(\S+)$/i.exec(c.req.header('authorization') ?? '')
    if (!m || !constantTimeEqual(m[1] as string, key))
      throw new FnhostError(
        'UNAUTHORIZED',
        m ? 'wrong admin key' : 'send the admin key as Authorization: Bearer <FNHOST_ADMIN_KEY>',
        { headers: { 'www-authenticate': 'Bearer realm="fnhost-admin"' } },
      )
    await next()
  })

  if (options.kv) app.route('/', kvAdminRoutes(options.kv))

  app.get('/functions', async (c) =>
    c.json({ functions: await Promise.all(registry.list().map(describe)) }),
  )

  app.post('/functions/*', async (c) => {
    if (!c.req.path.endsWith('/invoke'))
      throw new FnhostError('METHOD_NOT_ALLOWED', 'POST is for /functions/{name}/invoke', {
        headers: { allow: 'GET, PUT, DELETE' },
      })
    const name = nameIn(c, '/invoke')
    const slot = findByName(registry, name)
    if (!slot) throw new FnhostError('FUNCTION_NOT_FOUND', `no function named ${name}`)
    return c.json(await invokeOnce(registry, slot, await jsonBody(c), c.get('requestId'), logger))
  })

  app.get('/functions/*', async (c) => {
    const name = nameIn(c)
    const slot = findByName(registry, name)
    if (!slot) throw new FnhostError('FUNCTION_NOT_FOUND', `no function named ${name}`)
    const info = await describe(slot)
    return c.json(info, 200, { etag: `"${info.version}"` })
  })

  app.put('/functions/*', async (c) => {
    const name = nameIn(c)
    const upload = await readUpload(c.req.raw, name, limits)
    const { created, info } = await deploy(registry, upload)
    audit(c, created ? 'create' : 'update', name, `version=${info.version} route=${info.route}`)
    return c.json(info, created ? 201 : 200, { etag: `"${info.version}"` })
  })

  app.delete('/functions/*', async (c) => {
    const name = nameIn(c)
    await remove(registry, name, c.req.header('if-match'))
    audit(c, 'delete', name)
    return c.body(null, 204)
  })

  app.get('/routes', (c) =>
    c.json({
      routes: registry.list().flatMap((s) =>
        s.routes.map((route) => ({
          route,
          function: s.name,
          state: s.spec ? 'ready' : 'failed',
        })),
      ),
    }),
  )

  app.post('/routes', async (c) => {
    const body = await jsonBody(c)
    if (typeof body.path !== 'string' || typeof body.function !== 'string')
      throw new FnhostError('BAD_REQUEST', 'send {"path": "/route", "function": "name"}')
    const name = functionNameFrom(body.function)
    const info = await setRoute(registry, name, body.path)
    audit(c, 'route', name, `route=${body.path}`)
    return c.json(info)
  })

  app.post('/tokens', async (c) => {
    const body = await jsonBody(c)
    if (!options.signKey)
      throw new FnhostError(
        'BAD_REQUEST',
        'this host has no signing key: set FNHOST_JWT_SECRET or auth.privateKeyFile in fnhost.json',
      )
    const fn = body.function === '*' ? '*' : functionNameFrom(String(body.function ?? ''))
    let ttlS: number
    try {
      ttlS = parseTtl(String(body.ttl ?? '1h'))
    } catch (e) {
      if (e instanceof MintError) throw new FnhostError('BAD_REQUEST', e.message)
      throw e
    }
    const minted = await mintToken(options.signKey, options.auth, { fn, ttlS })
    audit(c, 'token', fn, `ttl=${ttlS}s`)
    return c.json(minted)
  })

  app.all('*', (c) => {
    throw new FnhostError(
      'FUNCTION_NOT_FOUND',
      `no management endpoint ${c.req.method} ${c.req.path}`,
    )
  })
  return app
}
