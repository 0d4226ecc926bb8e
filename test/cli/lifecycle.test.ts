import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { collect, listeningUrl, spawnCli } from '../helpers/cli.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { scaled } from '../helpers/time.js'

/** A load slow enough that the first scan is visibly in progress. */
const SLOW_LOAD_MS = 1500
/** The grace given to a shutdown whose in-flight request would take far longer. */
const GRACE_MS = 300
/** How long the cut-short request would run. */
const LONG_REQUEST_MS = 8000
/** Upper bound on a shutdown that honours GRACE_MS (process teardown included). */
const SHUTDOWN_BOUND_MS = scaled(4000)

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  await new Promise((r) => server.close(r))
  return port
}

describe('fnhost serve as a platform runs it', () => {
  let dir: TempDir
  afterEach(async () => dir?.[Symbol.asyncDispose]())

  it('is live at once, answers 503 on readiness and functions until the first scan has loaded', async () => {
    // Many files, so the first scan takes a while: requests meanwhile meet the closed gate.
    const filler: Record<string, string> = {}
    for (let i = 0; i < 200; i++)
      filler[`fill/${i}.js`] = `export default () => new Response('${i}')`
    dir = await functionsDir({
      ...filler,
      'slow.js': `const end = Date.now() + ${SLOW_LOAD_MS}; while (Date.now() < end) {}
export default { fetch: () => new Response('loaded') }`,
    })
    const port = await freePort()
    const child = spawnCli(['serve', dir.path, '--workers', '1', '--quiet'], {
      PORT: String(port),
    })
    const result = collect(child)
    const base = `http://127.0.0.1:${port}`
    const health: number[] = []
    const early: { status: number; error?: string; retryAfter: string | null }[] = []
    try {
      const deadline = Date.now() + scaled(20_000)
      while (health.at(-1) !== 200) {
        if (Date.now() > deadline) throw new Error(`never ready: ${health.join(',')}`)
        await new Promise((r) => setTimeout(r, 20))
        const res = await fetch(base + '/_fnhost/health').catch(() => undefined)
        if (!res) continue
        health.push(res.status)
        if (res.status !== 503) continue
        expect(await res.json()).toEqual({ status: 'starting' })
        expect((await fetch(base + '/_fnhost/live')).status).toBe(200)
        const fn = await fetch(base + '/slow')
        // The gate may open between the health answer and this one: then the function answers.
        if (fn.status === 200) break
        const body = (await fn.json()) as { error?: string }
        early.push({
          status: fn.status,
          error: body.error,
          retryAfter: fn.headers.get('retry-after'),
        })
      }
      expect(health).toContain(503)
      // The first answers came while the scan was still loading; a later one may race the opening.
      expect(early[0]).toEqual({ status: 503, error: 'OVERLOADED', retryAfter: '1' })
      expect(await (await fetch(base + '/slow')).text()).toBe('loaded')
    } finally {
      child.kill('SIGTERM')
    }
    expect((await result).code).toBe(0)
  })

  it('on SIGTERM fails readiness, cuts requests past --grace-ms, exits 0, and logs to stdout', async () => {
    dir = await functionsDir({
      'long.js': `export default { async fetch() { await new Promise((r) => setTimeout(r, ${LONG_REQUEST_MS})); return new Response('late') } }`,
      'hello.js': `export default { fetch: () => new Response('hi') }`,
    })
    // The flag wins over the environment.
    const graced = spawnCli(
      ['serve', dir.path, '--port', '0', '--workers', '1', '--grace-ms', String(GRACE_MS)],
      { FNHOST_GRACE_MS: String(LONG_REQUEST_MS * 10) },
    )
    const result = collect(graced)
    const url = await listeningUrl(graced)
    expect(await (await fetch(url + '/hello')).text()).toBe('hi')
    const inflight = fetch(url + '/long').then(
      (r) => r.status,
      () => 'cut',
    )
    await new Promise((r) => setTimeout(r, 200))
    const start = Date.now()
    graced.kill('SIGTERM')
    expect(await inflight).toBe('cut')
    const { code, stdout } = await result
    expect(code).toBe(0)
    expect(Date.now() - start).toBeLessThan(SHUTDOWN_BOUND_MS)
    expect(stdout).toMatch(/"level":"info".*GET \/hello 200/)
    expect(stdout).toMatch(/SIGTERM: finishing in-flight requests \(up to 300 ms\)/)
  })

  it('takes the grace period from FNHOST_GRACE_MS', async () => {
    dir = await functionsDir({ 'hello.js': `export default { fetch: () => new Response('hi') }` })
    const child = spawnCli(['serve', dir.path, '--port', '0', '--workers', '1'], {
      FNHOST_GRACE_MS: '1234',
    })
    const result = collect(child)
    await listeningUrl(child)
    child.kill('SIGTERM')
    const { code, stdout } = await result
    expect(code).toBe(0)
    expect(stdout).toMatch(/\(up to 1234 ms\)/)
  })
})
