import { afterEach, describe, expect, it } from 'vitest'
import { eventually, functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, type TestHost } from '../helpers/host.js'

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
})
