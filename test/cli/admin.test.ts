import type { ChildProcess } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { listeningUrl, runCli, spawnCli } from '../helpers/cli.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { scaled } from '../helpers/time.js'

const ADMIN_KEY = 'admin-key-for-the-cli-tests'
const SECRET = 'a-test-secret-that-is-long-enough-for-hs256'
/** About a dozen CLI processes, each starting through tsx. */
const TEST_MS = scaled(120_000)
const ENV = { FNHOST_ADMIN_KEY: ADMIN_KEY, FNHOST_JWT_SECRET: SECRET }

describe('fnhost deploy, ls, rm and token against a real fnhost serve', () => {
  let dir: TempDir
  let src: TempDir
  let child: ChildProcess | undefined
  afterEach(async () => {
    child?.kill('SIGKILL')
    child = undefined
    await dir?.[Symbol.asyncDispose]()
    await src?.[Symbol.asyncDispose]()
  })

  it(
    'deploys a file, lists it, serves it privately with a token, removes it',
    async () => {
      dir = await functionsDir({ 'hello.js': `export default { fetch: () => new Response('hi') }` })
      src = await functionsDir({
        'greet.js': `export default { fetch: (req, env, ctx) => new Response('hello ' + (ctx.auth?.claims.sub ?? 'anon')) }`,
        'greet.config.json': JSON.stringify({ private: true }),
        'broken.js': 'export default {',
      })
      child = spawnCli(['serve', dir.path, '--port', '0', '--quiet'], ENV)
      child.stderr?.resume()
      const url = await listeningUrl(child)

      const deployed = await runCli(
        [
          'deploy',
          `${src.path}/greet.js`,
          '--route',
          '/hi/there',
          '--config',
          `${src.path}/greet.config.json`,
          '--url',
          url,
        ],
        ENV,
      )
      expect(deployed.stderr).toBe('')
      expect(deployed.code).toBe(0)
      expect(deployed.stdout).toMatch(/^created greet at \/hi\/there \(version [0-9a-f]{12}\)/)
      expect((await fetch(url + '/hi/there')).status).toBe(401)

      const token = await runCli(
        ['token', '--function', 'greet', '--ttl', '10m', '--sub', 'ada', '--dir', dir.path],
        ENV,
      )
      expect(token.code).toBe(0)
      const jwt = token.stdout.trim()
      expect(jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
      const served = await fetch(url + '/hi/there', { headers: { authorization: `Bearer ${jwt}` } })
      expect(await served.text()).toBe('hello ada')
      const star = (
        await runCli(['token', '--function', '*', '--dir', dir.path], ENV)
      ).stdout.trim()
      expect((await fetch(url + '/hi/there', { headers: { 'x-auth-token': star } })).status).toBe(
        200,
      )
      const other = (await runCli(['token', '-f', 'hello', '--dir', dir.path], ENV)).stdout.trim()
      expect(
        (await fetch(url + '/hi/there', { headers: { authorization: `Bearer ${other}` } })).status,
      ).toBe(403)

      const ls = await runCli(['ls', '--url', url], ENV)
      expect(ls.code).toBe(0)
      expect(ls.stdout).toMatch(/^\/hi\/there\s+greet\s+quickjs\s+private\s+[0-9a-f]{12}$/m)
      expect(ls.stdout).toMatch(/^\/hello\s+hello\s+quickjs\s+public\s+/m)

      const broken = await runCli(
        ['deploy', `${src.path}/broken.js`, '--name', 'greet', '--url', url],
        ENV,
      )
      expect(broken.code).toBe(1)
      expect(broken.stderr).toMatch(/^fnhost: 422: /)
      expect(
        (await fetch(url + '/hi/there', { headers: { authorization: `Bearer ${jwt}` } })).status,
      ).toBe(200)

      const rm = await runCli(['rm', 'greet', '--url', url], ENV)
      expect(rm.code).toBe(0)
      expect(rm.stdout).toBe('removed greet\n')
      expect((await fetch(url + '/hi/there')).status).toBe(404)
      const again = await runCli(['rm', 'greet', '--url', url], ENV)
      expect(again.code).toBe(1)
      expect(again.stderr).toMatch(/404: no function named greet/)
      const wrongKey = await runCli(['ls', '--url', url], {
        ...ENV,
        FNHOST_ADMIN_KEY: 'wrong-key-wrong-key',
      })
      expect(wrongKey.code).toBe(1)
      expect(wrongKey.stderr).toMatch(/401: wrong admin key/)
    },
    TEST_MS,
  )

  it(
    'reports usage errors with exit code 2',
    async () => {
      expect((await runCli(['token'], ENV)).code).toBe(2)
      expect((await runCli(['token', '-f', 'x', '--ttl', 'forever'], ENV)).code).toBe(2)
      expect((await runCli(['deploy'], ENV)).code).toBe(2)
      expect((await runCli(['deploy', 'x.txt'], ENV)).code).toBe(2)
      const noKey = await runCli(['ls'], { FNHOST_ADMIN_KEY: '' })
      expect(noKey.code).toBe(2)
      expect(noKey.stderr).toMatch(/set FNHOST_ADMIN_KEY/)
      const noSecret = await runCli(['token', '-f', 'x', '--dir', '/nonexistent'], {
        FNHOST_JWT_SECRET: '',
      })
      expect(noSecret.code).toBe(1)
      expect(noSecret.stderr).toMatch(/no signing key/)
    },
    TEST_MS,
  )
})
