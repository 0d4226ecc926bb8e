import { afterEach, expect } from 'vitest'
import { createPool, type PoolOptions, type WorkerPool } from '../../host/pool/index.js'
import { createLogger, type LogLine } from '../../host/observe/log.js'
import { eventually, functionsDir } from '../helpers/fsdir.js'
import { startHost, type Call, type TestHost, type Transport } from '../helpers/host.js'
import { scaled } from '../helpers/time.js'

export const HELLO = `export default { fetch: () => new Response('hello') }`

export interface AdversarialHost extends AsyncDisposable {
  pool: WorkerPool
  /** What the pool logged (worker crashes, failed warm-ups). */
  poolLogs: LogLine[]
  host: TestHost
  call: Call
  dir: string
  write(rel: string, content: string): Promise<void>
}

export interface AdversarialOptions {
  transport?: Transport
  /** Watch the folder for changes (the registry swaps functions). */
  watch?: boolean
  pool?: PoolOptions
  /** Runs on the folder after its files are written and before the host scans it. */
  prepare?: (dir: string) => Promise<void> | void
}

/**
 * A functions folder (plus hello.js) served by the real app over the worker pool, whose workers
 * run the real drivers with a test DNS (loader.ts).
 */
export async function startAdversarial(
  files: Record<string, string | Uint8Array>,
  options: AdversarialOptions = {},
): Promise<AdversarialHost> {
  const dir = await functionsDir({ 'hello.js': HELLO, ...files })
  await options.prepare?.(dir.path)
  const poolLogs: LogLine[] = []
  const pool = createPool({
    workers: 1,
    logger: createLogger((l) => poolLogs.push(l)),
    loaderModule: new URL('./loader.ts', import.meta.url),
    ...options.pool,
  })
  let host: TestHost
  try {
    host = await startHost(options.transport ?? 'app.request', {
      dir: dir.path,
      loader: pool.load,
      watch: options.watch ?? false,
    })
  } catch (e) {
    await pool[Symbol.asyncDispose]()
    await dir[Symbol.asyncDispose]()
    throw e
  }
  return {
    pool,
    poolLogs,
    host,
    call: host.call,
    dir: dir.path,
    write: dir.write,
    async [Symbol.asyncDispose]() {
      await host[Symbol.asyncDispose]()
      await pool[Symbol.asyncDispose]()
      await dir[Symbol.asyncDispose]()
    },
  }
}

/** How soon after an attack a trivial function must answer. */
export const SERVES_WITHIN_MS = scaled(1000)

/** The host still answers a trivial function, within a second. */
export async function expectServes(call: Call): Promise<void> {
  const t0 = Date.now()
  const res = await call('/hello')
  expect(await res.text()).toBe('hello')
  expect(res.status).toBe(200)
  expect(Date.now() - t0).toBeLessThan(SERVES_WITHIN_MS)
}

export interface ErrorAnswer {
  status: number
  error: string
  message: string
  retryAfter: string | null
  elapsedMs: number
}

/** Calls `path` and reads the host's error answer. */
export async function errorAnswer(
  call: Call,
  path: string,
  init?: RequestInit,
): Promise<ErrorAnswer> {
  const t0 = Date.now()
  const res = await call(path, init)
  const body = (await res.json()) as { error: string; message: string }
  return {
    status: res.status,
    error: body.error,
    message: body.message,
    retryAfter: res.headers.get('retry-after'),
    elapsedMs: Date.now() - t0,
  }
}

/** A fetch-style JS function whose handler body is `body`. */
export function handler(body: string, prologue = ''): string {
  return `${prologue}\nexport default { async fetch(req) { ${body} } }`
}

/** Starts a host per test and disposes it after the test. */
export function hostPerTest(options: AdversarialOptions = {}) {
  let current: AdversarialHost | undefined
  afterEach(async () => {
    await current?.[Symbol.asyncDispose]()
    current = undefined
  })
  return async (files: Record<string, string | Uint8Array>, more: AdversarialOptions = {}) => {
    current = await startAdversarial(files, {
      ...options,
      ...more,
      pool: { ...options.pool, ...more.pool },
    })
    await eventually(async () => current!.pool.stats().workers >= 1, 10_000)
    return current
  }
}
