import { afterEach, describe, expect, it } from 'vitest'
import { createHost } from '../../host/host.js'
import {
  hostConfigFromEnv,
  mergeHostConfig,
  parseHostConfig,
  readHostConfig,
} from '../../host/host-config.js'
import { createLogger } from '../../host/observe/log.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost } from '../helpers/host.js'

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256'

describe('fnhost.json', () => {
  let dir: TempDir
  afterEach(async () => dir?.[Symbol.asyncDispose]())

  it('is read from the folder root, validated strictly, and is never a function', async () => {
    dir = await functionsDir({
      'fnhost.json': JSON.stringify({
        auth: { jwtSecret: SECRET, issuer: 'iss', clockToleranceS: 10 },
        admin: { key: 'an-admin-key-of-16+', maxUploadBytes: { js: 1000 } },
        fetch: { allowPrivate: ['127.0.0.1:8081', '[::1]:9000'] },
        limits: { timeoutMs: 1234, memoryMb: 64 },
      }),
      // A root function named like the host config must not take it as its sidecar.
      'fnhost.js': `export default { fetch: () => new Response('fn') }`,
      'hello.js': `export default { fetch: () => new Response('hi') }`,
      'custom.js': `export const config = { timeoutMs: 50 }\nexport default { fetch: () => new Response('c') }`,
    })
    const config = await readHostConfig(dir.path)
    expect(config.auth?.issuer).toBe('iss')
    expect(config.fetch?.allowPrivate).toEqual(['127.0.0.1:8081', '[::1]:9000'])
    await using host = await startHost('app.request', { dir: dir.path })
    const names = host.host.registry.list().map((s) => s.name)
    expect(names).toEqual(['custom', 'fnhost', 'hello'])
    const byName = (n: string) => host.host.registry.list().find((s) => s.name === n)!
    expect(byName('fnhost').failure).toBeUndefined()
    // limits are defaults: a function's own config wins.
    expect(byName('hello').spec?.config).toMatchObject({ timeoutMs: 1234, memoryMb: 64 })
    expect(byName('custom').spec?.config).toMatchObject({ timeoutMs: 50, memoryMb: 64 })
    expect(await (await host.call('/fnhost')).text()).toBe('fn')
  })

  it('refuses unknown keys and wrong types with every problem named', async () => {
    expect(() => parseHostConfig({ auth: { jwtSecret: SECRET, secret: 'x' } })).toThrow(
      /auth: Unrecognized key: "secret"/,
    )
    expect(() => parseHostConfig({ limitz: {} })).toThrow(/Unrecognized key: "limitz"/)
    expect(() => parseHostConfig({ fetch: { allowPrivate: ['127.0.0.1'] } })).toThrow(
      /fetch.allowPrivate.0: an entry is host:port/,
    )
    expect(() => parseHostConfig({ limits: { timeoutMs: -1 } })).toThrow(/limits.timeoutMs/)
    expect(() => parseHostConfig({ auth: { jwtSecret: 'short' } })).toThrow(/at least 32/)
    dir = await functionsDir({
      'fnhost.json': '{"auth": ',
      'hello.js': `export default { fetch: () => new Response('hi') }`,
    })
    await expect(
      createHost({ dir: dir.path, watch: false, logger: createLogger(() => {}) }),
    ).rejects.toThrow(/fnhost.json: not valid JSON/)
  })

  it('environment variables override the file, and a key source replaces the one below it', () => {
    const file = parseHostConfig({
      auth: { jwksUrl: 'http://127.0.0.1:1/jwks', issuer: 'from-file' },
      admin: { key: 'file-admin-key-0123' },
    })
    const env = hostConfigFromEnv({
      FNHOST_JWT_SECRET: SECRET,
      FNHOST_ADMIN_KEY: 'env-admin-key-01234',
      INTERNAL_RUNTIME_KEY: 'runtime-key',
    })
    const merged = mergeHostConfig(file, env, { auth: { audience: 'flag-aud' } })
    expect(merged.auth).toEqual({
      jwtSecret: SECRET,
      issuer: 'from-file',
      audience: 'flag-aud',
      internalRuntimeKey: 'runtime-key',
    })
    expect(merged.admin?.key).toBe('env-admin-key-01234')
  })

  it('serve and token flags override the environment, which overrides the file', async () => {
    const { configOverrides } = await import('../../host/cli/config-flags.js')
    const overrides = configOverrides(
      { 'jwt-issuer': 'flag-iss', 'jwks-url': 'http://127.0.0.1:9/jwks' },
      { FNHOST_JWT_ISSUER: 'env-iss', FNHOST_JWT_SECRET: SECRET, FNHOST_JWT_AUDIENCE: 'env-aud' },
    )
    const merged = mergeHostConfig({ auth: { issuer: 'file-iss', clockToleranceS: 5 } }, overrides)
    expect(merged.auth).toEqual({
      issuer: 'flag-iss',
      audience: 'env-aud',
      jwksUrl: 'http://127.0.0.1:9/jwks',
      clockToleranceS: 5,
    })
  })

  it('fnhost serve refuses a bad fnhost.json with exit code 1 and the reason', async () => {
    const { runCli } = await import('../helpers/cli.js')
    dir = await functionsDir({ 'fnhost.json': JSON.stringify({ nope: true }) })
    const { code, stderr } = await runCli(['serve', dir.path, '--port', '0'])
    expect(code).toBe(1)
    expect(stderr).toMatch(/invalid fnhost.json: \(config\): Unrecognized key: "nope"/)
  })
})
