import { afterEach, expect } from 'vitest'
import type { PoolOptions, WorkerPool } from '../../host/pool/index.js'
import type { DriverOptions } from '../../host/sandbox/index.js'
import { PUBLIC_STANDIN, TEST_NAMES } from './names.js'
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
 * The real drivers with a test DNS: guest fetch() resolves names through TEST_NAMES only, and
 * PUBLIC_STANDIN (a loopback address) passes for a public one; plus `*.crash.js` functions
 * (crash-driver.ts) that end their worker, as a crash from outside would.
 */
const ADVERSARIAL_DRIVERS: DriverOptions = {
  egress: { hosts: TEST_NAMES, allow: [PUBLIC_STANDIN], timeoutMs: 5000 },
  modules: [new URL('./crash-driver.ts', import.meta.url).href],
}

/** A functions folder (plus hello.js) served by the real app over the worker pool. */
export async function startAdversarial(
  files: Record<string, string | Uint8Array>,
  options: AdversarialOptions = {},
): Promise<AdversarialHost> {
  const dir = await functionsDir({ 'hello.js': HELLO, ...files })
  await options.prepare?.(dir.path)
  const poolLogs: LogLine[] = []
  let host: TestHost
  try {
    host = await startHost(options.transport ?? 'app.request', {
      dir: dir.path,
      watch: options.watch ?? false,
      pool: {
        workers: 1,
        warmSpare: true,
        logger: createLogger((l) => poolLogs.push(l)),
        drivers: ADVERSARIAL_DRIVERS,
        ...options.pool,
      },
    })
  } catch (e) {
    await dir[Symbol.asyncDispose]()
    throw e
  }
  const pool = host.host.pool
  return {
    pool,
    poolLogs,
    host,
    call: host.call,
    dir: dir.path,
    write: dir.write,
    async [Symbol.asyncDispose]() {
      await host[Symbol.asyncDispose]()
      await dir[Symbol.asyncDispose]()
    },
  }
}

/** How soon after an attack a trivial function must answer. */
export const SERVES_WITHIN_MS = scaled(1000)

/** The host still answers a trivial function, within a second. */
/**
 * Waits until the pool's warm spare is ready. A new pool starts its spare only after its first
 * worker's first answer (or half a second after that worker is ready): a test about what the
 * spare does when a worker is lost waits for it first.
 */
export async function spareReady(h: { pool: WorkerPool }): Promise<void> {
  await eventually(async () => h.pool.stats().spareReady, 10_000)
}

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
