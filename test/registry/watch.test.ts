import { rename } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { RECHECK_AFTER_MS } from '../../host/registry/folder-watch.js'
import { eventually, functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, type TestHost } from '../helpers/host.js'
import { scaled } from '../helpers/time.js'

const hello = (word: string) => `export default { fetch: () => new Response('${word}') }`
const slow = (word: string, ms: number) =>
  `export default { async fetch() { await new Promise((r) => setTimeout(r, ${ms})); return new Response('${word}') } }`

describe('watching the functions folder', () => {
  let dir: TempDir
  let t: TestHost
  afterEach(async () => {
    await t?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })
  const start = async (files: Record<string, string>) => {
    dir = await functionsDir(files)
    t = await startHost('app.request', { dir: dir.path, watch: true })
    return t
  }
  const body = async (path: string) => {
    const res = await t.call(path)
    return `${res.status} ${await res.text()}`
  }
  const becomes = (path: string, want: string) =>
    eventually(async () => (await body(path)) === want)

  it('picks up an added, changed, renamed and deleted function without a restart', async () => {
    await start({ 'a.js': hello('one') })
    expect(await body('/a')).toBe('200 one')

    await dir.write('b.js', hello('bee'))
    await becomes('/b', '200 bee')

    await dir.write('a.js', hello('two'))
    await becomes('/a', '200 two')

    await dir.write('c.js', hello('two'))
    await dir.remove('a.js')
    await eventually(async () => (await t.call('/a')).status === 404)
    expect(await body('/c')).toBe('200 two')

    await dir.remove('b.js')
    await eventually(async () => (await t.call('/b')).status === 404)
  })

  it('applies a sidecar change and a broken edit, then recovers', async () => {
    await start({ 'a.js': hello('one') })
    await dir.write('a.json', JSON.stringify({ methods: ['POST'] }))
    await eventually(async () => (await t.call('/a')).status === 405)

    await dir.write('a.js', 'export default { fetch( }')
    await eventually(async () => (await t.call('/a', { method: 'POST' })).status === 500)
    await dir.write('a.js', hello('fixed'))
    await eventually(
      async () => (await (await t.call('/a', { method: 'POST' })).text()) === 'fixed',
    )
  })

  it('lets an in-flight request finish on the old version when the file changes or is deleted', async () => {
    await start({ 's.js': slow('old', 400), 'd.js': slow('doomed', 400) })
    const changing = t.call('/s')
    const deleting = t.call('/d')
    await new Promise((r) => setTimeout(r, 100))
    await dir.write('s.js', hello('new'))
    await dir.remove('d.js')
    await becomes('/s', '200 new')
    await eventually(async () => (await t.call('/d')).status === 404)
    expect(await (await changing).text()).toBe('old')
    expect(await (await deleting).text()).toBe('doomed')
  })

  it('removes the functions of a deleted folder', async () => {
    await start({ 'api/x.js': hello('x'), 'api/y.js': hello('y'), 'z.js': hello('z') })
    expect(await body('/api/y')).toBe('200 y')
    await dir.remove('api')
    await eventually(async () => (await t.call('/api/x')).status === 404)
    expect((await t.call('/api/y')).status).toBe(404)
    expect(await body('/z')).toBe('200 z')
  })

  it('sees a second write to a file made right after the first', async () => {
    await start({ 'other.js': hello('other') })
    // The watcher drops a second change to a file within 50 ms of the first: the recheck sees it.
    await dir.write('q.js', hello('first'))
    await dir.write('q.js', hello('second'))
    await becomes('/q', '200 second')
  })

  it('does not scan a function again when its recheck finds the bytes its scan read', async () => {
    await start({ 'other.js': hello('other') })
    const inspect = vi.spyOn(t.host.pool, 'inspect')
    try {
      const file = join(dir.path, 'once.ts')
      const scans = () => inspect.mock.calls.filter(([f]) => f === file).length
      // Written whole and renamed into place: one watcher event.
      await dir.write('.once.ts.tmp', "export default { fetch: () => new Response('once') }\n")
      await rename(join(dir.path, '.once.ts.tmp'), file)
      await becomes('/once', '200 once')
      await new Promise((r) => setTimeout(r, RECHECK_AFTER_MS + scaled(500)))
      expect(scans()).toBe(1)
      expect(await body('/once')).toBe('200 once')
    } finally {
      inspect.mockRestore()
    }
  })
})
