import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createHost, type Host } from '../../host/host.js'
import { createLogger } from '../../host/observe/log.js'
import { packageRoot } from '../../host/paths.js'
import { serve, type RunningServer } from '../../host/server.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { scaled } from '../helpers/time.js'
import { buildUi, launch, screenshot, type Browser } from './browser.js'

const KEY = 'dashboard-test-key-0123456789'
/** A console.log reaches the open log tail within this (the bound). */
const LOG_TAIL_MS = scaled(1000)
/** Page loads, deploys, the Host page's poll (2 s) and a first sandbox load. */
const UI_MS = scaled(10_000)

const FILES: Record<string, string> = {
  'hello.js': `export default { fetch: (req) => new Response('hello from ' + new URL(req.url).pathname) }`,
  'broken.js': 'export default {',
  'tick.js': `export const config = { schedule: '0 0 1 1 *' }
export default {
  fetch: () => new Response('tick'),
  scheduled(event) { console.log('tick ran by ' + event.cron) },
}`,
  'loop.js': `export const config = { timeoutMs: 300 }
export default { fetch() { for (;;) {} } }`,
  'chatty.js': `export default { fetch() { for (let i = 0; i < 60; i++) console.log('chatty line ' + i); return new Response('ok') } }`,
  'api/users.js': `export async function handle(event) { return { statusCode: 200, body: 'users' } }`,
}

describe('the dashboard in chromium', () => {
  let dir: TempDir
  let host: Host
  let server: RunningServer
  let browser: Browser
  let page: Page | undefined

  beforeAll(async () => {
    buildUi()
    dir = await functionsDir(FILES)
    await dir.write(
      'c/hello.wasm',
      await readFile(join(packageRoot, 'guests/examples/c/hello.wasm')),
    )
    await dir.write(
      'c/micro.wasm',
      await readFile(join(packageRoot, 'guests/examples/c/micro-hello.wasm')),
    )
    host = await createHost({
      dir: dir.path,
      watch: false,
      adminKey: KEY,
      pool: { workers: 1, warmSpare: false },
      logger: createLogger(() => {}),
    })
    server = await serve({ fetch: host.fetch, port: 0, host: '127.0.0.1' })
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.[Symbol.asyncDispose]()
    await server?.close()
    await host?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })
  beforeEach(async (ctx) => {
    // The previous page stays open until here, so a failed test's screenshot can still be taken.
    await page?.close()
    page = undefined
    ctx.onTestFailed(() => screenshot(page, ctx.task.name))
  })

  async function open(width?: number): Promise<Page> {
    page = await browser.page({ width })
    page.setDefaultTimeout(UI_MS)
    return page
  }

  async function loggedIn(width?: number): Promise<Page> {
    const p = await open(width)
    await p.goto(server.url + '/_fnhost/ui')
    await p.fill('#key', KEY)
    await p.press('#key', 'Enter')
    await p.waitForSelector('tr[data-fn="hello"]')
    return p
  }

  it('logs in with the admin key from the keyboard; a wrong key is refused in place', async () => {
    const p = await open()
    await p.goto(server.url + '/_fnhost/ui')
    // The key field has the focus: keyboard only from here.
    expect(await p.evaluate(() => document.activeElement?.id)).toBe('key')
    await p.keyboard.type('not-the-key-at-all')
    await p.keyboard.press('Enter')
    await expect
      .poll(() => p.textContent('.login [role=alert]'), { timeout: UI_MS })
      .toMatch(/refused/)
    await p.fill('#key', KEY)
    await p.keyboard.press('Enter')
    await p.waitForSelector('tr[data-fn="hello"]')
    // The key lives in this tab's sessionStorage: never in the URL or a cookie.
    expect(await p.evaluate(() => sessionStorage.getItem('fnhost.adminKey'))).toBe(KEY)
    expect(p.url()).not.toContain(KEY)
    expect(await browser.context.cookies()).toEqual([])
    await p.click('#logout')
    await p.waitForSelector('#key')
    expect(await p.evaluate(() => sessionStorage.length)).toBe(0)
  })

  it('lists every function of the folder with its route, kind and state', async () => {
    const p = await loggedIn()
    const names = await p.$$eval('tr[data-fn]', (rows) =>
      rows.map((r) => r.getAttribute('data-fn')),
    )
    expect(names.sort()).toEqual(
      ['api/users', 'broken', 'c/hello', 'c/micro', 'chatty', 'hello', 'loop', 'tick'].sort(),
    )
    const row = (name: string) => p.locator(`tr[data-fn="${name}"]`)
    expect(await row('broken').getAttribute('data-state')).toBe('failed')
    expect(await row('broken').locator('.reason').textContent()).toMatch(/SyntaxError/)
    for (const name of ['hello', 'tick', 'loop', 'api/users', 'c/hello', 'c/micro'])
      expect(await row(name).getAttribute('data-state')).toBe('ready')
    expect(await row('c/hello').locator('.c-kind').textContent()).toBe('WAGI')
    expect(await row('c/micro').locator('.c-kind').textContent()).toBe('fnmicro')
    expect(await row('hello').locator('.c-kind').textContent()).toBe('JS')
    expect(await row('api/users').locator('.c-route').textContent()).toBe('/api/users')
    expect(await row('tick').locator('.c-schedule').textContent()).toMatch(/^0 0 1 1 \* · next /)
    expect(await row('hello').locator('.c-access').textContent()).toBe('public')
    expect(await row('hello').locator('svg.spark').count()).toBe(2)
  })

  it('deploys an uploaded file, shows it ready, invokes it and tails its console.log', async () => {
    const p = await loggedIn()
    const source = `export default { async fetch(req) {
      const body = await req.text()
      console.log('greet says ' + body)
      return new Response('greetings, ' + body, { headers: { 'x-greet': 'yes' } })
    } }`
    await p.fill('form.deploy input[name=name]', 'greet')
    await p.setInputFiles('form.deploy input[type=file]', {
      name: 'greet.js',
      mimeType: 'text/javascript',
      buffer: Buffer.from(source),
    })
    await p.click('form.deploy button[type=submit]')
    await expect
      .poll(() => p.textContent('form.deploy .result'), { timeout: UI_MS })
      .toMatch(/greet deployed: ready/)
    await p.waitForSelector('tr[data-fn="greet"][data-state="ready"]')

    await p.click('tr[data-fn="greet"] a')
    await p.waitForSelector('.log-state:text("following")')
    await p.selectOption('#inv-method', 'POST')
    await p.fill('#inv-body', 'Ada')
    await p.click('form.invoke button[type=submit]')
    await expect.poll(() => p.textContent('.inv-body'), { timeout: UI_MS }).toBe('greetings, Ada')
    expect(await p.textContent('.inv-status')).toMatch(/^200 · [\d.]+ ms$/)
    expect(await p.textContent('.inv-headers')).toMatch(/x-greet: yes/)
    // The first call loaded the sandbox; the second is timed from its answer to its log line.
    await p.fill('#inv-body', 'Grace')
    await p.click('form.invoke button[type=submit]')
    await expect.poll(() => p.textContent('.inv-body'), { timeout: UI_MS }).toBe('greetings, Grace')
    const shown = Date.now()
    await p.waitForSelector('.log .line:has-text("greet says Grace")', { timeout: LOG_TAIL_MS })
    expect(Date.now() - shown).toBeLessThanOrEqual(LOG_TAIL_MS)
    expect(await p.locator('.log .line:has-text("greet says Ada")').count()).toBe(1)
  })

  it('shows the reason of a refused upload in place, and deploys nothing', async () => {
    const p = await loggedIn()
    await p.setInputFiles('form.deploy input[type=file]', {
      name: 'bad.js',
      mimeType: 'text/javascript',
      buffer: Buffer.from('export default { fetch( {'),
    })
    await p.click('form.deploy button[type=submit]')
    const result = p.locator('form.deploy .result.error[role=alert]')
    await expect
      .poll(() => result.textContent())
      .toMatch(/refused \(422 INVALID_FUNCTION\): .*SyntaxError/)
    expect(await p.locator('tr[data-fn="bad"]').count()).toBe(0)
  })

  it('runs a scheduled function now and shows the run and its log line', async () => {
    const p = await loggedIn()
    await p.click('tr[data-fn="tick"] a')
    await p.waitForSelector('.log-state:text("following")')
    expect(await p.textContent('.next')).toMatch(/next scheduled run: /)
    await p.click('button:text("Run now")')
    await expect
      .poll(() => p.textContent('#runs-h ~ .result, .panel .result[role=status]'))
      .toMatch(/ran: /)
    await p.waitForSelector('table.runs tr:has-text("manual")')
    await p.waitForSelector('.log .line:has-text("tick ran by manual")')
  })

  it('shows a deadline stop on the Host page after a looping function', async () => {
    const p = await loggedIn()
    await p.click('nav a:text("Host")')
    const stops = p.locator('dd[data-stat="deadlineStops"]')
    await expect.poll(() => stops.textContent()).toBe('0')
    const res = await fetch(server.url + '/loop')
    expect(res.status).toBe(504)
    expect(((await res.json()) as { error: string }).error).toBe('CPU_LIMIT')
    await expect.poll(() => stops.textContent(), { timeout: UI_MS }).toBe('1')
    expect(Number(await p.textContent('dd[data-stat="workers"]'))).toBeGreaterThanOrEqual(1)
    expect(await p.textContent('dd[data-stat="memory"]')).toMatch(/^\d+(\.\d)? \/ \d+ MiB$/)
    expect(await p.textContent('dd[data-stat="workerKills"]')).toMatch(/^\d+$/)
    expect(await p.textContent('dd[data-stat="version"]')).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('keeps the log tail at the bottom unless the user scrolled up', async () => {
    const p = await loggedIn()
    await p.click('tr[data-fn="chatty"] a')
    await p.waitForSelector('.log-state:text("following")')
    const send = () => p.click('form.invoke button[type=submit]')
    const lines = () => p.locator('.log .line').count()
    const gap = () => p.$eval('.log', (el) => el.scrollHeight - el.scrollTop - el.clientHeight)
    await send()
    await expect.poll(lines).toBeGreaterThanOrEqual(60)
    await expect.poll(gap).toBeLessThanOrEqual(8)
    await p.$eval('.log', (el) => (el.scrollTop = 0))
    const before = await lines()
    await send()
    await expect.poll(lines).toBeGreaterThanOrEqual(before + 60)
    expect(await p.$eval('.log', (el) => el.scrollTop)).toBe(0)
    await p.click('button.jump')
    await expect.poll(gap).toBeLessThanOrEqual(8)
  })

  it('deploys a file dropped on the drop zone', async () => {
    const p = await loggedIn()
    const drop = await p.evaluateHandle(() => {
      const data = new DataTransfer()
      const src = 'export default { fetch: () => new Response("dropped") }'
      data.items.add(new File([src], 'dropped.js', { type: 'text/javascript' }))
      return data
    })
    await p.dispatchEvent('form.deploy .drop', 'dragover', { dataTransfer: drop })
    await p.dispatchEvent('form.deploy .drop', 'drop', { dataTransfer: drop })
    expect(await p.textContent('form.deploy .chosen')).toMatch(/^dropped\.js \(\d+ bytes\)$/)
    await p.click('form.deploy button[type=submit]')
    await p.waitForSelector('tr[data-fn="dropped"][data-state="ready"]')
    expect(await (await fetch(server.url + '/dropped')).text()).toBe('dropped')
  })

  it('does not move the layout while live data arrives', async () => {
    const p = await loggedIn()
    await p.click('nav a:text("Host")')
    await p.waitForSelector('dd[data-stat="workers"]:not(:text("—"))')
    // Layout shifts from now on, through several polls of the Host page (every 2 s)...
    await p.evaluate(() => {
      const w = window as unknown as { shift: number }
      w.shift = 0
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as unknown as { value: number }[]) w.shift += e.value
      }).observe({ type: 'layout-shift' })
    })
    await fetch(server.url + '/hello')
    await p.waitForTimeout(scaled(4500))
    const shift = () => p.evaluate(() => (window as unknown as { shift: number }).shift)
    expect(await shift()).toBe(0)
    // ...and of the Functions page after it first drew its rows (every 5 s).
    await p.click('nav a:text("Functions")')
    await p.waitForSelector('tr[data-fn="hello"]')
    await p.evaluate(() => ((window as unknown as { shift: number }).shift = 0))
    await fetch(server.url + '/hello')
    await p.waitForTimeout(scaled(5500))
    expect(await shift()).toBe(0)
    // The observer sees a real shift (so the zeros above mean something).
    await p.evaluate(() => document.querySelector('main')?.prepend(document.createElement('hr')))
    await expect.poll(shift).toBeGreaterThan(0)
  })

  it('never sends the key to a path outside /_fnhost/, whatever the location says', async () => {
    const p = await loggedIn()
    const leaked: string[] = []
    p.on('request', (req) => {
      const path = new URL(req.url()).pathname
      if (req.headers()['authorization'] && !path.startsWith('/_fnhost/')) leaked.push(path)
    })
    for (const hash of ['#/functions/../../../hello', '#/functions/%2e%2e/%2e%2e/%2e%2e/hello']) {
      await p.evaluate((h) => (location.hash = h), hash)
      await expect.poll(() => p.textContent('main .status')).toMatch(/not a function name/)
    }
    await p.evaluate(() => (location.hash = '#/functions'))
    await p.waitForSelector('tr[data-fn="hello"]')
    expect(leaked).toEqual([])
  })

  it('is readable at 320 px in a dark color scheme without sideways scrolling', async () => {
    const p = await loggedIn(320)
    expect(await p.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(true)
    const overflow = () => p.evaluate(() => document.documentElement.scrollWidth)
    expect(await overflow()).toBeLessThanOrEqual(320)
    await p.click('tr[data-fn="broken"] a')
    await p.waitForSelector('dd[data-field="state"].failed')
    expect(await overflow()).toBeLessThanOrEqual(320)
    await p.click('nav a:text("Host")')
    await p.waitForSelector('dd[data-stat="workers"]:not(:text("—"))')
    expect(await overflow()).toBeLessThanOrEqual(320)
    // Every form control has a label.
    const unlabelled = await p.evaluate(
      () =>
        [...document.querySelectorAll('input, select, textarea')].filter(
          (el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute('aria-label'),
        ).length,
    )
    expect(unlabelled).toBe(0)
  })
})
