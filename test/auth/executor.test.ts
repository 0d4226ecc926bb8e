import { afterEach, describe, expect, it } from 'vitest'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, type TestHost } from '../helpers/host.js'
import { scaled } from '../helpers/time.js'

const KEY = 'open-runtimes-internal-key'

/** The Open Runtimes runtime test function (seed), minus its outbound fetch: tests stay on loopback. */
const SEED_FUNCTION = `
module.exports = async (req, res) => {
  const payload = JSON.parse(req.payload === '' ? '{}' : req.payload)
  const id = payload.id ?? '1'
  res.json({
    isTest: true,
    message: 'Hello Open Runtimes 👋',
    header: req.headers['x-test-header'],
    env: req.env['test-env'],
    other: req.env.other,
    todo: { id },
  })
}`

/** The executor's deadline (seconds) is tested against a handler that sleeps this long. */
const SLEEP_MS = scaled(3000)
const EXECUTOR_TIMEOUT_S = 0.3

describe('Open Runtimes executor mode', () => {
  let dir: TempDir
  let host: TestHost
  afterEach(async () => {
    await host?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })

  async function start() {
    dir = await functionsDir({
      'test.cjs': SEED_FUNCTION,
      'test.json': JSON.stringify({ env: { 'test-env': 'from-config', other: 'kept' } }),
      'fetchy.js': `export default { fetch: async (req, env) => Response.json({ env: env['test-env'] ?? null, body: await req.text() }) }`,
      'slow.cjs': `module.exports = async (req, res) => { await new Promise((r) => setTimeout(r, ${SLEEP_MS})); res.send('late') }`,
    })
    host = await startHost('real server', {
      dir: dir.path,
      config: { auth: { internalRuntimeKey: KEY } },
    })
  }

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    host.call(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })

  // Through the worker pool: the unwrapped body and the env cross the thread boundary as data.
  it.each([1])(
    'runs the seed case (workers: %i): the executor body is unwrapped and env laid over the function env',
    async () => {
      await start()
      const res = await post(
        '/test',
        { env: { 'test-env': 'Hello World!' }, payload: '{"id":"2"}', timeout: 10 },
        { 'x-internal-challenge': KEY, 'x-test-header': 'Header Value' },
      )
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({
        isTest: true,
        message: 'Hello Open Runtimes 👋',
        header: 'Header Value',
        env: 'Hello World!',
        other: 'kept',
        todo: { id: '2' },
      })
      // The env of one call does not stay for the next.
      const next = await post('/test', { payload: '' }, { 'x-internal-challenge': KEY })
      expect(await next.json()).toMatchObject({ env: 'from-config', todo: { id: '1' } })
      // Fetch style gets the same: payload as body, env laid over.
      const fetchy = await post(
        '/fetchy',
        { env: { 'test-env': 'E' }, payload: { a: 1 } },
        { 'x-internal-challenge': KEY },
      )
      expect(await fetchy.json()).toEqual({ env: 'E', body: '{"a":1}' })
      // A body that is not the executor's shape reaches the function as it came.
      const plain = await post('/fetchy', { something: 'else' }, { 'x-internal-challenge': KEY })
      expect(await plain.json()).toEqual({ env: null, body: '{"something":"else"}' })
    },
  )

  it('answers 401 in the Open Runtimes error shape to a missing or wrong challenge', async () => {
    await start()
    for (const headers of <Record<string, string>[]>[
      {},
      { 'x-internal-challenge': 'wrong' },
      { 'x-internal-challenge': KEY + 'x' },
    ]) {
      const res = await post('/test', { payload: '' }, headers)
      expect(res.status).toBe(401)
      const body = (await res.json()) as Record<string, unknown>
      expect(body).toMatchObject({ code: 401, message: 'unauthorized', error: 'UNAUTHORIZED' })
      expect(typeof body.requestId).toBe('string')
    }
    expect((await host.call('/test')).status).toBe(401)
    // A function that failed to load says why only to the executor.
    await dir.write('broken.cjs', 'module.exports = (')
    await host.host.registry.apply([`${dir.path}/broken.cjs`], async () => undefined)
    expect((await host.call('/broken')).status).toBe(401)
    const failed = await host.call('/broken', { headers: { 'x-internal-challenge': KEY } })
    expect(((await failed.json()) as { error: string }).error).toBe('FUNCTION_LOAD_FAILED')
  })

  it('lowers the deadline to the executor timeout, and refuses a malformed executor body', async () => {
    await start()
    const started = Date.now()
    const res = await post(
      '/slow',
      { payload: '', timeout: EXECUTOR_TIMEOUT_S },
      { 'x-internal-challenge': KEY },
    )
    expect(res.status).toBe(504)
    expect(((await res.json()) as { error: string }).error).toBe('CPU_LIMIT')
    expect(Date.now() - started).toBeLessThan(SLEEP_MS)
    const bad = await post('/test', { env: { 'a=b': 'x' } }, { 'x-internal-challenge': KEY })
    expect(bad.status).toBe(400)
    const badTimeout = await post('/test', { timeout: 'soon' }, { 'x-internal-challenge': KEY })
    expect(badTimeout.status).toBe(400)
  })
})
