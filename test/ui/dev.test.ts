import { request } from 'node:http'
import type { ChildProcess } from 'node:child_process'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createHost } from '../../host/host.js'
import { createLogger } from '../../host/observe/log.js'
import { collect, listeningUrl, runCli, spawnCli } from '../helpers/cli.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { sharedTestPool } from '../helpers/host.js'
import { scaled } from '../helpers/time.js'
import { buildUi, launch, screenshot, type Browser } from './browser.js'

const UI_MS = scaled(10_000)
const HELLO = `export default { fetch: () => new Response('hello in dev') }`
/** No admin key from the environment running the tests. */
const NO_KEY = { FNHOST_ADMIN_KEY: '' }

/** A raw HTTP/1.1 request to the loopback host, with headers fetch would not let us forge. */
function raw(
  url: string,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { method, headers }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end(method === 'POST' ? '{}' : undefined)
  })
}

describe('fnhost serve --dev', () => {
  let dir: TempDir
  let child: ChildProcess | undefined
  let url: string
  let browser: Browser
  let page: Page | undefined

  beforeAll(async () => {
    buildUi()
    dir = await functionsDir({ 'hello.js': HELLO })
    child = spawnCli(['serve', dir.path, '--dev', '--port', '0', '--workers', '1'], NO_KEY)
    const out = collect(child)
    url = await listeningUrl(child)
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    void out
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.[Symbol.asyncDispose]()
    child?.kill('SIGTERM')
    await dir?.[Symbol.asyncDispose]()
  })
  beforeEach(async (ctx) => {
    await page?.close()
    page = undefined
    ctx.onTestFailed(() => screenshot(page, ctx.task.name))
  })

  it('serves the dashboard and the management API on 127.0.0.1 without a key', async () => {
    const html = await fetch(url + '/_fnhost/ui')
    expect(html.status).toBe(200)
    expect(await html.text()).toContain('data-mode="dev"')
    const list = await fetch(url + '/_fnhost/v1/functions')
    expect(list.status).toBe(200)
    const body = (await list.json()) as { functions: { name: string }[] }
    expect(body.functions.map((f) => f.name)).toEqual(['hello'])

    page = await browser.page()
    page.setDefaultTimeout(UI_MS)
    await page.goto(url + '/_fnhost/ui')
    await page.waitForSelector('tr[data-fn="hello"][data-state="ready"]')
    expect(await page.locator('#key').count()).toBe(0)
    expect(await page.isHidden('#logout')).toBe(true)
    // The page's own same-origin POST goes through without a key.
    await page.click('tr[data-fn="hello"] a')
    await page.click('form.invoke button[type=submit]')
    await expect.poll(() => page!.textContent('.inv-body'), { timeout: UI_MS }).toBe('hello in dev')
  })

  it('refuses keyless requests naming another host or coming from another origin', async () => {
    const rebinding = await raw(url, '/_fnhost/v1/functions', { host: 'attacker.test:80' })
    expect(rebinding.status).toBe(403)
    expect(JSON.parse(rebinding.body)).toMatchObject({ error: 'FORBIDDEN' })
    expect(rebinding.body).toMatch(/only to same-origin requests over loopback/)
    const host = new URL(url).host
    const crossSite = await raw(
      url,
      '/_fnhost/v1/functions/hello/invoke',
      { host, origin: 'http://attacker.test', 'content-type': 'text/plain' },
      'POST',
    )
    expect(crossSite.status).toBe(403)
    const sameOrigin = await raw(
      url,
      '/_fnhost/v1/functions/hello/invoke',
      { host, origin: `http://${host}`, 'content-type': 'application/json' },
      'POST',
    )
    expect(sameOrigin.status).toBe(200)
    expect(JSON.parse(sameOrigin.body)).toMatchObject({ status: 200, body: 'hello in dev' })
  })
})

describe('--dev refusals and the dashboard without --dev', () => {
  let dir: TempDir
  afterEach(async () => dir?.[Symbol.asyncDispose]())

  it.each(['0.0.0.0', '::', 'example.invalid'])(
    'refuses --dev with --host %s before listening',
    async (host) => {
      dir = await functionsDir({ 'hello.js': HELLO })
      const { code, stdout, stderr } = await runCli(
        ['serve', dir.path, '--dev', '--host', host, '--port', '0'],
        NO_KEY,
      )
      expect(code).toBe(2)
      expect(stderr).toContain(`--host ${host} is not a loopback address`)
      expect(stdout).not.toMatch(/listening on/)
    },
  )

  it('keeps the dashboard off without a key, and behind the key with one', async () => {
    dir = await functionsDir({ 'hello.js': HELLO })
    const logger = createLogger(() => {})
    // The file's one pool: these hosts differ in their key and mode, not in their workers.
    const sharedPool = sharedTestPool()
    {
      await using host = await createHost({ dir: dir.path, watch: false, logger, sharedPool })
      const res = await host.app.request('/_fnhost/ui')
      expect(res.status).toBe(404)
      expect(await res.text()).toMatch(/the dashboard is off: set FNHOST_ADMIN_KEY/)
    }
    {
      const adminKey = 'a-key-of-sixteen-chars'
      await using host = await createHost({
        dir: dir.path,
        watch: false,
        logger,
        sharedPool,
        adminKey,
      })
      const page = await host.app.request('/_fnhost/ui')
      expect(page.status).toBe(200)
      expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/)
      expect((await host.app.request('/_fnhost/ui/data/overview')).status).toBe(401)
      const ok = await host.app.request('/_fnhost/ui/data/overview', {
        headers: { authorization: `Bearer ${adminKey}` },
      })
      expect(ok.status).toBe(200)
      expect(await ok.json()).toMatchObject({ functions: { hello: { kind: 'JS' } } })
    }
    {
      // A dev host embedded without a loopback socket (here: no socket at all) opens nothing.
      await using host = await createHost({
        dir: dir.path,
        watch: false,
        logger,
        sharedPool,
        dev: true,
      })
      const res = await host.app.request('/_fnhost/v1/functions')
      expect(res.status).toBe(403)
      expect((await host.app.request('/_fnhost/ui/data/overview')).status).toBe(403)
      expect((await host.app.request('/_fnhost/v1/logs')).status).toBe(403)
    }
  })
})
