import { rename } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { eventually, functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, type TestHost } from '../helpers/host.js'

const entry = [
  "import { word } from './_lib/word'",
  "import n from './_lib/n.json'",
  'export default { fetch: () => new Response(`${word()} ${n.n}`) }',
].join('\n')

describe('watching the modules a function imports', () => {
  let dir: TempDir
  let t: TestHost
  afterEach(async () => {
    await t?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })
  const text = async (path: string) =>
    `${(await t.call(path)).status} ${await (await t.call(path)).text()}`
  const becomes = (path: string, want: string) =>
    eventually(async () => (await text(path)) === want)

  it('reloads a function when a module or JSON file it imports changes, not only its own file', async () => {
    dir = await functionsDir({
      'a.ts': entry,
      '_lib/word.ts': "export const word = (): string => 'one'\n",
      '_lib/n.json': '{"n":1}',
      'other.ts': "export default { fetch: () => new Response('other') }\n",
    })
    t = await startHost('app.request', { dir: dir.path, watch: true })
    expect(await text('/a')).toBe('200 one 1')
    const other = t.host.registry.list().find((s) => s.name === 'other')

    await dir.write('_lib/word.ts', "export const word = (): string => 'two'\n")
    await becomes('/a', '200 two 1')
    await dir.write('_lib/n.json', '{"n":2}')
    await becomes('/a', '200 two 2')
    // A function that does not import the module keeps its loaded version.
    expect(t.host.registry.list().find((s) => s.name === 'other')).toBe(other)
  })

  it('loads a bundled function written while the host runs before its first request', async () => {
    dir = await functionsDir({
      '_lib/word.ts': "export const word = (): string => 'one'\n",
      '_lib/n.json': '{"n":1}',
    })
    t = await startHost('app.request', { dir: dir.path, watch: true })
    // The file's hosts share a pool: its load counter counts theirs too.
    const before = t.host.pool.stats().loads
    const loads = () => t.host.pool.stats().loads - before
    // A plain JavaScript file loads on its first request, as at start-up.
    await dir.write('plain.js', "export default { fetch: () => new Response('plain') }\n")
    await eventually(async () => t.host.registry.byName('plain') !== undefined)
    // Written whole (a dot-name is not a function), so no half-written version loads first.
    await dir.write('.a.ts.tmp', entry)
    await rename(join(dir.path, '.a.ts.tmp'), join(dir.path, 'a.ts'))
    await eventually(async () => loads() === 1)
    expect(t.host.registry.byName('a')).toBeDefined()
    expect(await text('/a')).toBe('200 one 1')
    expect(loads()).toBe(1)
    expect(await text('/plain')).toBe('200 plain')
    expect(loads()).toBe(2)
  })

  it('recovers when a broken imported module is fixed', async () => {
    dir = await functionsDir({
      'a.ts': entry,
      '_lib/word.ts': "export const word = (): string => 'one'\n",
      '_lib/n.json': '{"n":1}',
    })
    t = await startHost('app.request', { dir: dir.path, watch: true })
    await dir.write('_lib/word.ts', 'export const word = (: string => 1\n')
    await eventually(async () => (await t.call('/a')).status === 500)
    const failed = (await (await t.call('/a')).json()) as { message: string }
    expect(failed.message).toMatch(/_lib\/word\.ts:1:\d+/)
    await dir.write('_lib/word.ts', "export const word = (): string => 'fixed'\n")
    await becomes('/a', '200 fixed 1')
  })
})
