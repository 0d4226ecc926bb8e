import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { packageRoot } from '../../host/paths.js'

/** Debian's chromium: nothing downloads a browser. */
const CHROMIUM = '/usr/bin/chromium'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
/** Screenshots of failed tests land here (gitignored). */
export const OUTPUT_DIR = join(packageRoot, 'test-output', 'ui')

/** Builds the dashboard as `npm run build` does, so the tests run the current client code. */
export function buildUi(): void {
  execFileSync(process.execPath, [join(packageRoot, 'scripts/build-ui.mjs')], { stdio: 'inherit' })
}

export interface Browser extends AsyncDisposable {
  context: BrowserContext
  page(options?: { width?: number }): Promise<Page>
}

/** Headless chromium with a fresh profile, dark color scheme; pages collect their errors. */
export async function launch(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'fnhost-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    colorScheme: 'dark',
    viewport: { width: 1100, height: 800 },
  })
  return {
    context,
    async page(options = {}) {
      const page = await context.newPage()
      if (options.width) await page.setViewportSize({ width: options.width, height: 800 })
      return page
    },
    async [Symbol.asyncDispose]() {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}

/** Saves a full-page screenshot of a failed test, named after it. */
export async function screenshot(page: Page | undefined, testName: string): Promise<void> {
  if (!page || page.isClosed()) return
  await mkdir(OUTPUT_DIR, { recursive: true })
  const file = join(OUTPUT_DIR, testName.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80) + '.png')
  await page.screenshot({ path: file, fullPage: true }).catch(() => undefined)
}
