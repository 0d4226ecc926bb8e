/**
 * Takes the README's screenshot of the dashboard (docs/dashboard.png): serves guests/examples,
 * sends a minute of varying traffic so the sparklines have something to draw, then photographs the
 * Functions page in headless chromium. `node --import tsx scripts/screenshot-ui.ts` (about 75 s).
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { createHost } from '../host/host.js'
import { createLogger } from '../host/observe/log.js'
import { packageRoot } from '../host/paths.js'
import { serve } from '../host/server.js'

const KEY = 'screenshot-key-0123456789'
const TRAFFIC_MS = 65_000

execFileSync(process.execPath, [join(packageRoot, 'scripts/build-ui.mjs')])
const host = await createHost({
  dir: join(packageRoot, 'guests/examples'),
  watch: false,
  adminKey: KEY,
  logger: createLogger(() => {}),
})
const server = await serve({ fetch: host.fetch, port: 0, host: '127.0.0.1' })
const paths = [
  '/hello?name=Ada',
  '/users/42',
  '/users/abc',
  '/c/hello',
  '/event',
  '/hono-app/users/7',
]
const end = Date.now() + TRAFFIC_MS
for (let i = 0; Date.now() < end; i++) {
  // A rate that swings over the minute, so the lines are not flat.
  const burst = 2 + Math.round(6 * (1 + Math.sin(i / 40)))
  await Promise.all(
    Array.from({ length: burst }, (_, j) =>
      fetch(server.url + paths[(i + j) % paths.length]).then((r) => r.arrayBuffer()),
    ),
  )
  await new Promise((r) => setTimeout(r, 100))
  if (i === 0)
    await fetch(server.url + '/_fnhost/ui/data/overview', {
      headers: { authorization: `Bearer ${KEY}` },
    })
}
const profile = await mkdtemp(join(tmpdir(), 'fnhost-chromium-'))
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  colorScheme: 'dark',
  viewport: { width: 1280, height: 760 },
})
const page = await context.newPage()
await page.goto(server.url + '/_fnhost/ui')
await page.fill('#key', KEY)
await page.press('#key', 'Enter')
await page.waitForSelector('tr[data-fn="hello"]')
await page.waitForTimeout(500)
await page.screenshot({ path: join(packageRoot, 'docs/dashboard.png'), fullPage: true })
await context.close()
await rm(profile, { recursive: true, force: true })
await server.close()
await host[Symbol.asyncDispose]()
