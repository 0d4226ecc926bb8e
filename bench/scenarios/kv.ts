import { join } from 'node:path'
import { WrongAnswerError } from '../answer.js'
import { closeThreadKvStores, openKvStore } from '../../host/kv/backends.js'
import { KV_LIMIT_DEFAULTS } from '../../host/kv/limits.js'
import type { KvSettings } from '../../host/kv/options.js'
import type { KvNamespace } from '../../host/kv/store.js'
import { createQuickjsDriver } from '../../host/sandbox/quickjs/driver.js'
import type { HttpInvocation } from '../../host/invocation.js'
import type { LoadedFunction } from '../../host/sandbox/types.js'
import type { FunctionSpec } from '../../host/types.js'
import { CONFIG_DEFAULTS } from '../../host/config.js'
import type { Workspace } from '../fixtures.js'
import { startRedis } from '../redis-server.js'
import type { Settings } from '../settings.js'
import { percentile, round } from '../stats.js'

export interface KvBenchRow {
  backend: string
  getP50Us: number
  getP99Us: number
  putP50Us: number
  putP99Us: number
  incrementsPerS: number
  /** One env.KV.get inside a JS function call, minus the same call without it and the store's get. */
  guestGetP50Us: number
  requestPathOverheadUs: number
}

export interface KvBenchResult {
  calls: number
  rows: KvBenchRow[]
}

const VALUE = 'v'.repeat(100)

const INVOCATION: HttpInvocation = {
  type: 'http',
  method: 'GET',
  url: 'http://127.0.0.1/kv',
  path: '/kv',
  query: '',
  route: '/kv',
  params: {},
  headers: [],
  body: null,
  requestId: 'bench',
}
/** SQLite writes wait for an fsync each (synchronous FULL): fewer of them keep the run short. */
const MAX_WRITES = 2000

async function timeUs(n: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await op(i)
    out.push((performance.now() - t) * 1000)
  }
  return out
}

const p = (samples: number[], q: number) => round(percentile(samples, q), 1)

function spec(name: string, source: string, kv: KvSettings): FunctionSpec {
  return {
    name,
    file: `/bench/${name}.js`,
    kind: 'quickjs',
    routes: [`/${name}`],
    config: { ...CONFIG_DEFAULTS },
    source: new TextEncoder().encode(source),
    version: name,
    kv,
  }
}

async function guestCall(fn: LoadedFunction): Promise<string> {
  const res = await fn.invoke(INVOCATION, {
    deadline: Date.now() + 10_000,
    signal: new AbortController().signal,
    log: { write: () => {}, full: false },
  })
  const body = res.body
  return new TextDecoder().decode(body instanceof Uint8Array ? body : new Uint8Array())
}

async function measureBackend(backend: string, kv: KvSettings, calls: number): Promise<KvBenchRow> {
  await using store = openKvStore(kv)
  // The guest function's own namespace: the direct and the guest figures read the same key.
  const ns: KvNamespace = store.namespace('fn:kv-get')
  await ns.put('k', VALUE)
  const got = await ns.get('k')
  if (got === null || new TextDecoder().decode(got) !== VALUE)
    throw new WrongAnswerError(`${backend}: get after put did not return the value`)
  const writes = Math.min(calls, MAX_WRITES)
  const gets = await timeUs(calls, () => ns.get('k'))
  const puts = await timeUs(writes, (i) => ns.put(`p${i % 100}`, VALUE))
  await ns.delete('n')
  const start = performance.now()
  for (let i = 0; i < writes; i++) await ns.increment('n', 1)
  const incrementsPerS = writes / ((performance.now() - start) / 1000)
  const n = new TextDecoder().decode((await ns.get('n'))!)
  if (n !== String(writes))
    throw new WrongAnswerError(`${backend}: ${writes} increments ended at ${n}`)

  const driver = createQuickjsDriver()
  await using withKv = await driver.load(
    spec(
      'kv-get',
      `export default { fetch: async (r, env) => new Response(await env.KV.get('k')) }`,
      kv,
    ),
  )
  await using without = await driver.load(
    spec(
      'kv-none',
      `export default { fetch: async () => new Response(${JSON.stringify(VALUE)}) }`,
      kv,
    ),
  )
  for (const fn of [withKv, without])
    if ((await guestCall(fn)) !== VALUE)
      throw new WrongAnswerError(`${backend}: ${fn.spec.name} did not answer the stored value`)
  const guest = await timeUs(calls, () => guestCall(withKv))
  const plain = await timeUs(calls, () => guestCall(without))
  return {
    backend,
    getP50Us: p(gets, 50),
    getP99Us: p(gets, 99),
    putP50Us: p(puts, 50),
    putP99Us: p(puts, 99),
    incrementsPerS: Math.round(incrementsPerS),
    guestGetP50Us: p(guest, 50),
    requestPathOverheadUs: round(
      percentile(guest, 50) - percentile(plain, 50) - percentile(gets, 50),
      1,
    ),
  }
}

/**
 * KV latency per backend, on one thread: get and put (median, p99), sequential increments per
 * second, and the same get from inside a JS function (the request path's cost shown apart).
 */
export async function measureKv(ws: Workspace, settings: Settings): Promise<KvBenchResult> {
  const calls = settings.overheadCalls
  try {
    return await measureBoth(ws, calls)
  } finally {
    await closeThreadKvStores()
  }
}

async function measureBoth(ws: Workspace, calls: number): Promise<KvBenchResult> {
  const limits = KV_LIMIT_DEFAULTS
  const rows = [
    await measureBackend(
      'sqlite',
      { backend: 'sqlite', dir: join(ws.root, 'kv-data'), limits },
      calls,
    ),
  ]
  await using redis = await startRedis()
  rows.push(await measureBackend('redis', { backend: 'redis', url: redis.url, limits }, calls))
  return { calls, rows }
}

export function kvSection(r: KvBenchResult): string {
  const head = [
    'backend',
    'get p50 µs',
    'get p99 µs',
    'put p50 µs',
    'put p99 µs',
    'incr/s',
    'guest get p50 µs',
    'request path µs',
  ]
  const rows = r.rows.map((x) => [
    x.backend,
    x.getP50Us,
    x.getP99Us,
    x.putP50Us,
    x.putP99Us,
    x.incrementsPerS,
    x.guestGetP50Us,
    x.requestPathOverheadUs,
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)))
  const line = (cells: (string | number)[]) =>
    cells.map((c, i) => String(c).padStart(widths[i]!)).join('  ')
  return [
    `Key-value store (${r.calls} gets, up to ${MAX_WRITES} puts and increments, one thread; SQLite synchronous FULL, Redis without persistence)`,
    [line(head), ...rows.map(line)].join('\n'),
  ].join('\n')
}
