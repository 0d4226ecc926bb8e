import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { collect, listeningUrl, runCli, spawnCli } from '../helpers/cli.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'

describe('fnhost serve', () => {
  let dir: TempDir
  afterEach(async () => dir?.[Symbol.asyncDispose]())

  it('prints the route table and the URL, serves, and drains in-flight requests on SIGTERM', async () => {
    dir = await functionsDir({
      'hello.js': `export default { fetch: () => new Response('hi') }`,
      'slow.js': `export default { async fetch() { await new Promise((r) => setTimeout(r, 500)); return new Response('done') } }`,
      'broken.js': 'export default {',
    })
    const child = spawnCli(['serve', dir.path, '--port', '0', '--quiet'])
    const result = collect(child)
    const url = await listeningUrl(child)
    expect(await (await fetch(url + '/hello')).text()).toBe('hi')
    const inflight = fetch(url + '/slow').then((r) => r.text())
    await new Promise((r) => setTimeout(r, 150))
    child.kill('SIGTERM')
    expect(await inflight).toBe('done')
    const { code, stdout } = await result
    expect(code).toBe(0)
    expect(stdout).toMatch(/\/hello\s+hello\.js \(quickjs\)/)
    expect(stdout).toMatch(/FAILED\s+\/broken\s+broken\.js: /)
  })

  it('exits 1 with a clear message when the folder is missing', async () => {
    const { code, stderr } = await runCli(['serve', '/nonexistent/fnhost-functions', '--port', '0'])
    expect(code).toBe(1)
    expect(stderr).toMatch(/functions folder not found: \/nonexistent\/fnhost-functions/)
  })

  it('exits 1 with a clear message when the port is taken', async () => {
    dir = await functionsDir({ 'hello.js': `export default { fetch: () => new Response('hi') }` })
    const blocker = createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
    const port = (blocker.address() as { port: number }).port
    try {
      const { code, stderr } = await runCli(['serve', dir.path, '--port', String(port)])
      expect(code).toBe(1)
      expect(stderr).toMatch(new RegExp(`port ${port} is already in use`))
    } finally {
      blocker.close()
    }
  })

  it('exits 2 on bad usage', async () => {
    const { code, stderr } = await runCli(['serve', '--port', 'abc'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/--port takes a whole number/)
    expect((await runCli(['nosuch'])).code).toBe(2)
  })
})
