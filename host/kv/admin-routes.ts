import { Hono } from 'hono'
import { errorResponse, FnhostError, toFnhostError, type ErrorCode } from '../errors.js'
import { KvError, type KvErrorCode } from './errors.js'
import type { KvStore } from './store.js'

/** How a KvError answers over HTTP (the management API's only translation of them). */
const HTTP_CODE: Record<KvErrorCode, ErrorCode> = {
  KV_BAD_ARGUMENT: 'BAD_REQUEST',
  KV_KEY_TOO_LARGE: 'BAD_REQUEST',
  KV_VALUE_TOO_LARGE: 'BODY_TOO_LARGE',
  KV_QUOTA_EXCEEDED: 'KV_QUOTA_EXCEEDED',
  KV_NOT_A_NUMBER: 'BAD_REQUEST',
  KV_NAMESPACE_DENIED: 'FORBIDDEN',
  KV_UNAVAILABLE: 'KV_UNAVAILABLE',
}

/** Namespaces as the store names them: a function's own (`fn:<name>`) or a shared one. */
const NAMESPACE = /^(?:fn:[^\0]{1,512}|shared:[a-z][a-z0-9_]{0,62})$/

export function httpError(e: unknown): FnhostError {
  if (e instanceof KvError)
    return new FnhostError(HTTP_CODE[e.code], `${e.code}: ${e.message}`, { cause: e })
  return toFnhostError(e)
}

function namespaceOf(raw: string): string {
  if (!NAMESPACE.test(raw))
    throw new FnhostError(
      'BAD_REQUEST',
      'a namespace is fn:<function name> or shared:<name>, URL-encoded in the path',
    )
  return raw
}

function intParam(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined
  const n = Number(raw)
  if (!Number.isInteger(n)) throw new FnhostError('BAD_REQUEST', `${name} is an integer`)
  return n
}

/**
 * The store's management routes, a sub-app the admin API mounts under /_fnhost/v1 behind its
 * key: `app.route('/_fnhost/v1', kvAdminRoutes(host.kv))`. Values travel as raw bytes.
 *
 *   GET    /kv/namespaces                          -> { namespaces: [{ name, keys, bytes }] }
 *   GET    /kv/namespaces/:ns/keys?prefix&cursor&limit -> { keys: [{ name, expiration? }], cursor?, complete }
 *   GET    /kv/namespaces/:ns/keys/:key            -> the value (application/octet-stream)
 *   PUT    /kv/namespaces/:ns/keys/:key?ttl=S      -> 204 (body: the value)
 *   DELETE /kv/namespaces/:ns/keys/:key            -> 204, or 404 KV_KEY_NOT_FOUND
 */
export function kvAdminRoutes(store: KvStore): Hono<{ Variables: { requestId: string } }> {
  const app = new Hono<{ Variables: { requestId: string } }>()
  const keyPath = '/kv/namespaces/:ns/keys/:key{.+}'

  app.get('/kv/namespaces', async (c) => c.json({ namespaces: await store.namespaces() }))

  app.get('/kv/namespaces/:ns/keys', async (c) => {
    const ns = store.namespace(namespaceOf(c.req.param('ns')))
    const q = c.req.query()
    return c.json(
      await ns.list({ prefix: q.prefix, cursor: q.cursor, limit: intParam(q.limit, 'limit') }),
    )
  })

  app.get(keyPath, async (c) => {
    const key = c.req.param('key')
    const value = await store.namespace(namespaceOf(c.req.param('ns'))).get(key)
    if (value === null) throw new FnhostError('KV_KEY_NOT_FOUND', `no key ${JSON.stringify(key)}`)
    return c.body(new Uint8Array(value), 200, { 'content-type': 'application/octet-stream' })
  })

  app.put(keyPath, async (c) => {
    const ns = store.namespace(namespaceOf(c.req.param('ns')))
    const declared = Number(c.req.header('content-length') ?? 0)
    // Refused before reading: the value limit is known without the body.
    if (declared > store.limits.maxValueBytes)
      throw httpError(
        new KvError('KV_VALUE_TOO_LARGE', `the limit is ${store.limits.maxValueBytes} bytes`),
      )
    const value = new Uint8Array(await c.req.arrayBuffer())
    await ns.put(c.req.param('key'), value, { ttl: intParam(c.req.query('ttl'), 'ttl') })
    return c.body(null, 204)
  })

  app.delete(keyPath, async (c) => {
    const key = c.req.param('key')
    const existed = await store.namespace(namespaceOf(c.req.param('ns'))).delete(key)
    if (!existed) throw new FnhostError('KV_KEY_NOT_FOUND', `no key ${JSON.stringify(key)}`)
    return c.body(null, 204)
  })

  app.onError((e, c) => errorResponse(httpError(e), c.get('requestId') ?? crypto.randomUUID()))
  return app
}
