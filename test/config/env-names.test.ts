import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, resolveConfig } from '../../host/config.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, type TestHost } from '../helpers/host.js'

describe('env names', () => {
  let dir: TempDir
  let t: TestHost
  afterEach(async () => {
    await t?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })

  it("accept any non-empty string without '=' or NUL", () => {
    const env = { 'test-env': 'a', 'with.dot': 'b', '1st': 'c', 'ünï cödé': 'd' }
    expect(resolveConfig({ env }, 'x.json').env).toEqual(env)
    for (const bad of ['', 'a=b', 'nul\0here'])
      expect(() => resolveConfig({ env: { [bad]: 'v' } }, 'x.json')).toThrow(ConfigError)
  })

  it("reach an Open Runtimes handler's req.env under their own names", async () => {
    dir = await functionsDir({
      'or.cjs': "module.exports = async (req, res) => res.json({ v: req.env['test-env'] })\n",
      'or.json': JSON.stringify({ env: { 'test-env': 'yes' } }),
    })
    t = await startHost('app.request', { dir: dir.path })
    expect(await (await t.call('/or')).json()).toEqual({ v: 'yes' })
  })
})
