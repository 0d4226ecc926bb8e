import { checkAnswer, HELLO, type Expected } from '../answer.js'
import { rssBytes, startFnhost, startServer, type Server } from '../children.js'
import {
  benchFunction,
  EXAMPLE_WASM,
  exampleWasm,
  honoBundle,
  type ExampleName,
  type Files,
  type Workspace,
} from '../fixtures.js'
import { cpuWindow, type CpuPerRequest } from '../cpu.js'
import type { LoadGenerator, LoadResult } from '../load.js'
import type { Settings } from '../settings.js'

export const THROUGHPUT_NAMES = [
  'baseline',
  'baseline-node-http',
  'js-trivial',
  'js-request-isolation',
  'js-hono',
  'js-fetch',
  'wagi-c',
  'component-c',
  'component-c-shared',
  'fnmicro',
  'emscripten',
] as const

export type ThroughputName = (typeof THROUGHPUT_NAMES)[number]

/** What the load generator hits: a URL answered by one or more processes of its own. */
export interface Target {
  url: string
  /** The process whose memory is reported: the server under test. */
  pid: number
  stop(): Promise<void>
}

export interface ThroughputScenario {
  name: ThroughputName
  what: string
  expected: Expected
  start(ws: Workspace): Promise<Target>
}

const hello: Expected = { status: 200, body: HELLO }

function target(server: Server, path: string, helpers: Server[] = []): Target {
  return {
    url: server.url + path,
    pid: server.pid,
    stop: async () => {
      await server.stop()
      await Promise.all(helpers.map((h) => h.stop()))
    },
  }
}

/** A scenario that serves `files` with `fnhost serve` and loads `path`. */
function fnhost(
  name: ThroughputName,
  what: string,
  path: string,
  files: () => Promise<Files>,
  expected: Expected = hello,
): ThroughputScenario {
  return {
    name,
    what,
    expected,
    async start(ws) {
      const dir = await ws.folder(name, await files())
      return target(await startFnhost(dir), path)
    },
  }
}

/** A built C example; its body differs from the baseline's by a few bytes, which no figure shows. */
function example(name: ExampleName, what: string, config?: object): ThroughputScenario {
  const expected = { status: 200, body: EXAMPLE_WASM[name].body }
  const files = async () => ({
    [`${name}.wasm`]: await exampleWasm(name),
    ...(config ? { [`${name}.json`]: JSON.stringify(config) } : {}),
  })
  return fnhost(name, what, `/${name}`, files, expected)
}

const jsTrivial = async () => ({ 'js-trivial.js': await benchFunction('js-trivial.js') })

export const throughputScenarios: Record<ThroughputName, ThroughputScenario> = {
  baseline: {
    name: 'baseline',
    what: 'bare Hono route on @hono/node-server (the ceiling)',
    expected: hello,
    start: async () => target(await startServer('bench/baseline/hono', []), '/'),
  },
  'baseline-node-http': {
    name: 'baseline-node-http',
    what: 'plain Node http server',
    expected: hello,
    start: async () => target(await startServer('bench/baseline/node-http', []), '/'),
  },
  'js-trivial': fnhost(
    'js-trivial',
    'JS fetch handler, shared isolation',
    '/js-trivial',
    jsTrivial,
  ),
  'js-request-isolation': fnhost(
    'js-request-isolation',
    'JS fetch handler, isolation: "request"',
    '/js-request-isolation',
    async () => ({ 'js-request-isolation.js': await benchFunction('js-request-isolation.js') }),
  ),
  'js-hono': fnhost('js-hono', 'bundled Hono app as a JS handler', '/js-hono', async () => ({
    'js-hono.js': await honoBundle(),
  })),
  'js-fetch': {
    name: 'js-fetch',
    what: 'JS handler awaiting one host fetch to a local upstream',
    expected: hello,
    async start(ws) {
      const upstream = await startServer('bench/baseline/node-http', [])
      try {
        const dir = await ws.folder('js-fetch', {
          'js-fetch.js': await benchFunction('js-fetch.js'),
          'js-fetch.json': JSON.stringify({ env: { UPSTREAM: upstream.url + '/' } }),
        })
        return target(
          await startServer('bench/bench-host', [dir, '--allow-loopback']),
          '/js-fetch',
          [upstream],
        )
      } catch (e) {
        await upstream.stop()
        throw e
      }
    },
  },
  'wagi-c': example('wagi-c', 'WAGI C handler, fresh instance per request'),
  'component-c': example('component-c', 'C wasi:http component (jco), fresh instance per request'),
  'component-c-shared': example(
    'component-c-shared',
    'C wasi:http component (jco), isolation: "shared"',
    { isolation: 'shared' },
  ),
  fnmicro: example('fnmicro', 'fnmicro C handler'),
  emscripten: example('emscripten', 'emscripten-built C handler (WASI)'),
}

export interface ThroughputResult extends LoadResult {
  name: ThroughputName
  what: string
  /** requests/s divided by the baseline's, measured in the same run. */
  ratioToBaseline: number
  /** Resident memory of the server process right after the timed run. */
  rssMiB: number
  /** The server process's CPU over the timed run, per request answered (bench/cpu.ts). */
  cpu: CpuPerRequest
}

/** Checks the answer, warms up, times one run of the load generator, and checks the answer again. */
export async function measureThroughput(
  scenario: ThroughputScenario,
  ws: Workspace,
  settings: Settings,
  generator: LoadGenerator,
): Promise<Omit<ThroughputResult, 'ratioToBaseline'>> {
  const t = await scenario.start(ws)
  try {
    await checkAnswer(t.url, scenario.expected)
    const load = { connections: settings.connections, threads: settings.threads }
    await generator.run(t.url, { ...load, durationS: settings.warmupS })
    const window = cpuWindow(t.pid)
    const result = await generator.run(t.url, { ...load, durationS: settings.durationS })
    const cpu = window.end(result.requests)
    const rssMiB = rssBytes(t.pid) / 2 ** 20
    await checkAnswer(t.url, scenario.expected)
    return { name: scenario.name, what: scenario.what, ...result, rssMiB, cpu }
  } finally {
    await t.stop()
  }
}

/** The correctness half alone: start, one request, compare, stop. */
export async function checkThroughput(scenario: ThroughputScenario, ws: Workspace): Promise<void> {
  const t = await scenario.start(ws)
  try {
    await checkAnswer(t.url, scenario.expected)
  } finally {
    await t.stop()
  }
}
