import { Hono, type Context } from 'hono'
import { FnhostError } from '../errors.js'
import { requireAdminKey } from '../observe/admin-key.js'
import type { AppObserve } from '../observation.js'
import type { PoolStats } from '../pool/api.js'
import type { Registry } from '../registry/registry.js'
import { uiAsset } from './assets.js'
import { functionDetail, overview } from './overview.js'
import { TrafficSeries } from './series.js'

/** What the Host page shows beyond metrics; createHost supplies it. */
export interface UiHostInfo {
  pool?: () => PoolStats
  /** The memory the pool lets its sandboxes use together (`maxSandboxMemoryMb`). */
  sandboxBudgetMb?: number
}

export interface UiOptions extends UiHostInfo {
  registry: Registry
  observe: AppObserve
  startedAt: number
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
}
const ASSET_NAME = /^[a-z0-9-]+\.(js|css|svg)$/

/** The page loads only its own files and talks only to this host; nobody may frame it. */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
}

/**
 * Mounted at /_fnhost/ui: the dashboard's page and files (static, no data in them), and the two
 * data endpoints only it uses, behind the admin key like the management API. With no key the
 * dashboard is off, except on a `--dev` host.
 */
export function uiRoutes(options: UiOptions): Hono {
  const { registry, observe } = options
  const series = new TrafficSeries(observe.metrics)
  const sources = { ...options, series }
  const admin = requireAdminKey(observe.adminKey, observe.dev)
  const app = new Hono()

  const on = async (c: Context, next: () => Promise<void>) => {
    if (!observe.adminKey && !observe.dev)
      throw new FnhostError(
        'FUNCTION_NOT_FOUND',
        'the dashboard is off: set FNHOST_ADMIN_KEY (or admin.key in fnhost.json), or run fnhost serve --dev on this machine',
      )
    await next()
  }
  const page = (c: Context) => {
    const html = uiAsset('index.html')
    if (!html) throw notBuilt()
    const mode = observe.dev ? 'dev' : 'key'
    const text = html.toString('utf8').replace('data-mode="key"', `data-mode="${mode}"`)
    return c.body(text, 200, { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8' })
  }
  app.get('/', on, page)
  app.get('/index.html', on, page)

  app.get('/assets/:file', on, (c) => {
    const file = c.req.param('file') ?? ''
    const m = ASSET_NAME.exec(file)
    const bytes = m ? uiAsset(file) : undefined
    if (!bytes) throw new FnhostError('FUNCTION_NOT_FOUND', `no dashboard file ${file}`)
    return c.body(new Uint8Array(bytes), 200, {
      ...PAGE_HEADERS,
      'content-type': TYPES[m?.[1] ?? ''] ?? 'application/octet-stream',
    })
  })

  app.get('/data/overview', on, admin, async (c) => c.json(await overview(sources)))
  app.get('/data/functions/:name{.+}', on, admin, (c) => {
    const name = c.req.param('name') ?? ''
    const slot = registry.list().find((s) => s.name === name)
    if (!slot) throw new FnhostError('FUNCTION_NOT_FOUND', `no function named ${name}`)
    return c.json(functionDetail(sources, slot))
  })
  return app
}

function notBuilt(): FnhostError {
  return new FnhostError(
    'FUNCTION_NOT_FOUND',
    'the dashboard is not built: run npm run build (scripts/build-ui.mjs) in the fnhost package',
  )
}
