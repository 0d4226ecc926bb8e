import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHost } from '../../host/host.js'

/** A host's own pool (a restart starts a new one), without the default spare worker. */
const ONE_WORKER = { workers: 1, warmSpare: false }
const COUNTER = `export default {
  async fetch(request, env) {
    return new Response(String(await env.KV.increment('hits')))
  },
}
`
const READER = `export default {
  async fetch(request, env) {
    if (request.method === 'PUT') await env.KV.put('note', await request.text())
    return new Response(await env.KV.get('note'))
  },
}
`

let root: string
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fnhost-kv-host-'))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name, 'functions')
  mkdirSync(dir, { recursive: true })
  for (const [file, source] of Object.entries(files)) writeFileSync(join(dir, file), source)
  return dir
}

describe('KV through the host', () => {
  it('values written by a function survive a host restart', async () => {
    const dir = folder('restart', { 'note.js': READER, 'counter.js': COUNTER })
    const dataDir = join(root, 'restart', 'data')
    {
      await using host = await createHost({ dir, watch: false, dataDir, pool: ONE_WORKER })
      const res = await host.app.request('/note', { method: 'PUT', body: 'remember me' })
      expect(await res.text()).toBe('remember me')
      expect(await (await host.app.request('/counter')).text()).toBe('1')
    }
    await using host = await createHost({ dir, watch: false, dataDir, pool: ONE_WORKER })
    expect(await (await host.app.request('/note')).text()).toBe('remember me')
    expect(await (await host.app.request('/counter')).text()).toBe('2')
  })

  it('the management API lists and edits what functions stored', async () => {
    const dir = folder('admin', { 'note.js': READER })
    const key = 'an-admin-key-of-16+'
    await using host = await createHost({
      dir,
      watch: false,
      dataDir: join(root, 'admin', 'data'),
      config: { admin: { key } },
      pool: ONE_WORKER,
    })
    await host.app.request('/note', { method: 'PUT', body: 'from the function' })
    const auth = { authorization: `Bearer ${key}` }
    const api = (path: string, init: RequestInit = {}) =>
      host.app.request(`/_fnhost/v1/kv${path}`, { ...init, headers: auth })
    expect(await (await api('/namespaces')).json()).toEqual({
      namespaces: [{ name: 'fn:note', keys: 1, bytes: 21 }],
    })
    expect(await (await api('/namespaces/fn%3Anote/keys/note')).text()).toBe('from the function')
    expect(
      (await api('/namespaces/fn%3Anote/keys/note', { method: 'PUT', body: 'edited' })).status,
    ).toBe(204)
    expect(await (await host.app.request('/note')).text()).toBe('edited')
    expect((await host.app.request('/_fnhost/v1/kv/namespaces')).status).toBe(401)
  })
})
