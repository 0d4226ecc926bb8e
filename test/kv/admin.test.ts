import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Hono } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import { requestId } from 'hono/request-id'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kvAdminRoutes } from '../../host/kv/admin-routes.js'
import { openKvStore } from '../../host/kv/backends.js'
import { KV_LIMIT_DEFAULTS } from '../../host/kv/limits.js'
import type { KvStore } from '../../host/kv/store.js'
import { serve } from '../../host/server.js'
import { runCli } from '../helpers/cli.js'

const KEY = 'test-admin-key'
let root: string
let store: KvStore
let app: Hono
let server: Awaited<ReturnType<typeof serve>>

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fnhost-kv-admin-'))
  store = openKvStore({
    backend: 'sqlite',
    dir: root,
    limits: { ...KV_LIMIT_DEFAULTS, quotaBytes: 4096 },
  })
  // Mounted the way the management API mounts it: behind its key, under /_fnhost/v1.
  app = new Hono()
  app.use(requestId())
  app.use('/_fnhost/v1/*', bearerAuth({ token: KEY }))
  app.route('/_fnhost/v1', kvAdminRoutes(store))
  server = await serve({ fetch: app.fetch, port: 0, host: '127.0.0.1' })
})
afterAll(async () => {
  await server?.close()
  await store?.[Symbol.asyncDispose]()
  rmSync(root, { recursive: true, force: true })
})

const auth = { authorization: `Bearer ${KEY}` }
const call = (method: string, path: string, body?: string | Uint8Array<ArrayBuffer>) =>
  app.request(`/_fnhost/v1${path}`, { method, headers: auth, body })
const key = (ns: string, k: string) =>
  `/kv/namespaces/${encodeURIComponent(ns)}/keys/${encodeURIComponent(k)}`

describe('KV management routes', () => {
  it('puts, gets, lists and deletes keys; lists namespaces', async () => {
    expect((await call('PUT', key('fn:api/users', 'a/b c'), 'value one')).status).toBe(204)
    expect((await call('PUT', key('fn:api/users', 'x'), 'two')).status).toBe(204)
    expect((await call('PUT', key('shared:sessions', 's1') + '?ttl=60', 'tok')).status).toBe(204)
    const got = await call('GET', key('fn:api/users', 'a/b c'))
    expect(got.headers.get('content-type')).toBe('application/octet-stream')
    expect(await got.text()).toBe('value one')
    const page = (await (
      await call('GET', `/kv/namespaces/${encodeURIComponent('fn:api/users')}/keys?limit=1`)
    ).json()) as { keys: { name: string }[]; cursor: string; complete: boolean }
    expect(page.keys).toEqual([{ name: 'a/b c' }])
    expect(page.complete).toBe(false)
    const next = (await (
      await call(
        'GET',
        `/kv/namespaces/${encodeURIComponent('fn:api/users')}/keys?cursor=${page.cursor}`,
      )
    ).json()) as { keys: { name: string }[]; complete: boolean }
    expect(next).toEqual({ keys: [{ name: 'x' }], complete: true })
    expect(await (await call('GET', '/kv/namespaces')).json()).toEqual({
      namespaces: [
        { name: 'fn:api/users', keys: 2, bytes: 18 },
        { name: 'shared:sessions', keys: 1, bytes: 5 },
      ],
    })
    expect((await call('DELETE', key('fn:api/users', 'x'))).status).toBe(204)
    const gone = await call('DELETE', key('fn:api/users', 'x'))
    expect(gone.status).toBe(404)
    expect(((await gone.json()) as { error: string }).error).toBe('KV_KEY_NOT_FOUND')
  })

  it('answers errors in the contract schema', async () => {
    const expectError = async (res: Response, status: number, error: string, text: RegExp) => {
      const body = (await res.json()) as { code: number; error: string; message: string }
      expect({ status: res.status, code: body.code, error: body.error }).toEqual({
        status,
        code: status,
        error,
      })
      expect(body.message).toMatch(text)
    }
    await expectError(await call('GET', key('nope', 'k')), 400, 'BAD_REQUEST', /namespace is fn:/)
    await expectError(
      await call('PUT', key('fn:q', 'k'.repeat(1025)), 'v'),
      400,
      'BAD_REQUEST',
      /KV_KEY_TOO_LARGE/,
    )
    await expectError(
      await call('PUT', key('fn:q', 'big'), new Uint8Array(1024 * 1024 + 1)),
      413,
      'BODY_TOO_LARGE',
      /KV_VALUE_TOO_LARGE/,
    )
    await expectError(
      await call('PUT', key('fn:q', 'full'), new Uint8Array(5000)),
      507,
      'KV_QUOTA_EXCEEDED',
      /quota/,
    )
    expect((await app.request('/_fnhost/v1/kv/namespaces')).status).toBe(401)
  })

  it('fnhost kv list|get|put|rm talk to it over HTTP', async () => {
    const url = ['--url', server.url]
    const env = { FNHOST_ADMIN_KEY: KEY }
    expect(await runCli(['kv', 'put', 'counter', 'hits', '41', ...url], env)).toMatchObject({
      code: 0,
    })
    expect((await runCli(['kv', 'get', 'counter', 'hits', ...url], env)).stdout).toBe('41')
    expect(
      (await runCli(['kv', 'put', 'shared:cache', 'k', 'v', '--ttl', '30', ...url], env)).code,
    ).toBe(0)
    const keys = await runCli(['kv', 'list', 'shared:cache', ...url], env)
    expect(keys.stdout).toMatch(/^k\texpires \d{4}-/)
    const spaces = await runCli(['kv', 'list', ...url], env)
    expect(spaces.stdout).toContain('fn:counter\t1 keys\t6 bytes\n')
    expect((await runCli(['kv', 'rm', 'counter', 'hits', ...url], env)).code).toBe(0)
    const missing = await runCli(['kv', 'get', 'counter', 'hits', ...url], env)
    expect(missing).toMatchObject({ code: 1 })
    expect(missing.stderr).toContain('404')
    const denied = await runCli(['kv', 'list', ...url], { FNHOST_ADMIN_KEY: 'wrong' })
    expect(denied.code).toBe(1)
    expect((await runCli(['kv', 'frob', ...url], env)).code).toBe(2)
  })
})
