/**
 * The sandbox conformance suite: every case folder under test/fixtures/conformance, run against
 * any loader of the kinds asked for (see the folder's README for the format). Framework-free:
 * assertions use node:assert, so vitest suites, the app tests and a real server can all share it.
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isFnhostError } from '../../host/errors.js'
import { invocationLog, silentLogger } from '../../host/observe/log.js'
import { packageRoot } from '../../host/paths.js'
import type { FunctionLoader, LoadedFunction } from '../../host/sandbox/types.js'
import type { SandboxKind } from '../../host/types.js'
import { specFor } from '../helpers/spec.js'
import type { Invocation } from '../../host/invocation.js'
import { invocationOf, responseOf } from '../helpers/invoke.js'

export const CONFORMANCE_DIR = join(packageRoot, 'test/fixtures/conformance')

export interface ConformanceRequest {
  /** A cron tick instead of an HTTP request (the driver gets a scheduled invocation). */
  scheduled?: { cron: string; payload?: unknown }
  request?: {
    method?: string
    path: string
    headers?: Record<string, string>
    body?: string
    bodyBase64?: string
  }
  route?: string
  params?: Record<string, string>
  status?: number
  headers?: Record<string, string>
  body?: string
  bodyBase64?: string
  json?: unknown
  bodyContains?: string
  error?: string
}

export interface ConformanceCase {
  /** `<folder>` for the folder's main function, `<folder>.micro` for a variant. */
  name: string
  kind: SandboxKind
  /** The file a driver loads: the JS source, or the wasm built from the C source. */
  file: string
  config: unknown
  requests: ConformanceRequest[]
}

const JS_FILES = ['function.js', 'function.mjs', 'function.cjs']

/** Every case of the given kinds. C sources map to wasm/conformance/<case><variant>.wasm. */
export function conformanceCases(kinds: readonly SandboxKind[]): ConformanceCase[] {
  const cases: ConformanceCase[] = []
  const folders = readdirSync(CONFORMANCE_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
  for (const folder of folders) {
    const dir = join(CONFORMANCE_DIR, folder)
    const { requests } = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as {
      requests: ConformanceRequest[]
    }
    const configFile = join(dir, 'config.json')
    const config = existsSync(configFile) ? JSON.parse(readFileSync(configFile, 'utf8')) : {}
    for (const entry of readdirSync(dir).sort()) {
      let kind: SandboxKind
      let file: string
      let name = folder
      if (JS_FILES.includes(entry)) {
        kind = 'quickjs'
        file = join(dir, entry)
      } else if (/^function(\..+)?\.c$/.test(entry)) {
        const variant = entry.slice('function'.length, -'.c'.length)
        kind = variant === '.micro' ? 'micro' : variant === '.component' ? 'component' : 'wasi'
        file = join(packageRoot, 'wasm/conformance', `${folder}${variant}.wasm`)
        name += variant
      } else continue
      if (kinds.includes(kind)) cases.push({ name, kind, file, config, requests })
    }
  }
  return cases
}

export function conformanceRequest(r: NonNullable<ConformanceRequest['request']>): Request {
  const body =
    r.bodyBase64 !== undefined ? Buffer.from(r.bodyBase64, 'base64') : (r.body ?? undefined)
  return new Request(`http://localhost${r.path}`, {
    method: r.method ?? 'GET',
    headers: r.headers,
    body: body === undefined || body.length === 0 ? undefined : body,
  })
}

export function describeRequest(expected: ConformanceRequest): string {
  if (expected.scheduled) return `scheduled ${expected.scheduled.cron}`
  return `${expected.request?.method ?? 'GET'} ${expected.request?.path}`
}

/** The invocation a conformance entry describes: a scheduled tick, or its HTTP request. */
export async function conformanceInvocation(
  expected: ConformanceRequest,
  requestId: string,
  routes: string[],
): Promise<Invocation> {
  if (expected.scheduled)
    return {
      type: 'scheduled',
      cron: expected.scheduled.cron,
      scheduledTime: Date.now(),
      payload: expected.scheduled.payload ?? null,
      route: routes[0] ?? '/',
      requestId,
    }
  if (!expected.request) throw new Error('a conformance entry needs a request or a scheduled tick')
  return invocationOf(conformanceRequest(expected.request), {
    route: expected.route ?? '/fn',
    params: expected.params ?? {},
    requestId,
  })
}

/** Checks a Response against an expectation (status, headers, then one of the body forms). */
export async function checkResponse(expected: ConformanceRequest, res: Response): Promise<void> {
  const where = describeRequest(expected)
  if (expected.status !== undefined) assert.equal(res.status, expected.status, `${where}: status`)
  for (const [name, value] of Object.entries(expected.headers ?? {}))
    assert.equal(res.headers.get(name), value, `${where}: header ${name}`)
  const bytes = Buffer.from(await res.arrayBuffer())
  if (expected.bodyBase64 !== undefined)
    assert.equal(bytes.toString('base64'), expected.bodyBase64, `${where}: body (base64)`)
  const text = bytes.toString('utf8')
  if (expected.body !== undefined) assert.equal(text, expected.body, `${where}: body`)
  if (expected.json !== undefined)
    assert.deepEqual(JSON.parse(text), expected.json, `${where}: json`)
  if (expected.bodyContains !== undefined)
    assert.ok(
      text.includes(expected.bodyContains),
      `${where}: body contains ${expected.bodyContains}: ${text}`,
    )
}

/** For an expected failure in-process: the error code, its status, and `bodyContains` in its message. */
function checkError(expected: ConformanceRequest, e: unknown): void {
  const where = describeRequest(expected)
  assert.ok(isFnhostError(e), `${where}: expected ${expected.error}, got ${String(e)}`)
  assert.equal(e.code, expected.error, `${where}: error code (${e.message})`)
  if (expected.status !== undefined) assert.equal(e.status, expected.status, `${where}: status`)
  if (expected.bodyContains !== undefined)
    assert.ok(e.message.includes(expected.bodyContains), `${where}: message: ${e.message}`)
}

/** Loads a case's function with `load`, sends each of its requests, and checks each answer. */
export async function runConformanceCase(c: ConformanceCase, load: FunctionLoader): Promise<void> {
  if (!existsSync(c.file))
    throw new Error(`${c.file} is missing: build the C guests (scripts/build-wasm.ts)`)
  const routes = [...new Set(c.requests.map((r) => r.route ?? '/fn'))]
  const spec = specFor(c.file, { config: c.config, name: c.name, kind: c.kind, routes })
  const fn: LoadedFunction = await load(spec)
  try {
    for (const [i, expected] of c.requests.entries()) {
      const requestId = `conformance-${c.name}-${i}`
      const opts = {
        deadline: Date.now() + spec.config.timeoutMs,
        signal: new AbortController().signal,
        log: invocationLog(silentLogger, { fn: c.name, requestId }),
      }
      let res: Response
      try {
        const inv = await conformanceInvocation(expected, requestId, routes)
        res = responseOf(await fn.invoke(inv, opts))
      } catch (e) {
        if (expected.error === undefined) throw e
        checkError(expected, e)
        continue
      }
      assert.equal(
        expected.error,
        undefined,
        `expected ${expected.error}, got status ${res.status}`,
      )
      await checkResponse(expected, res)
    }
  } finally {
    await fn[Symbol.asyncDispose]()
  }
}
