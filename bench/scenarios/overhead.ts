import { join } from 'node:path'
import { HELLO, WrongAnswerError } from '../answer.js'
import { scanFile } from '../../host/registry/scan.js'
import type { HttpInvocation } from '../../host/invocation.js'
import { discardLog } from '../../host/observe/invocation-log.js'
import { toWebResponse } from '../../host/response.js'
import { createDrivers } from '../../host/sandbox/index.js'
import type { FunctionInspector, InvokeOptions } from '../../host/sandbox/types.js'
import {
  benchFunction,
  EXAMPLE_WASM,
  exampleWasm,
  writeFiles,
  type ExampleName,
  type Workspace,
} from '../fixtures.js'
import type { Settings } from '../settings.js'
import { mean, percentile, round } from '../stats.js'

interface Case {
  name: string
  file: string
  body: string
  source(): Promise<string | Uint8Array>
}

const js = (name: string, file: string): Case => ({
  name,
  file,
  body: HELLO,
  source: () => benchFunction(file),
})

const example = (name: string, example: ExampleName): Case => ({
  name,
  file: `${example}.wasm`,
  body: EXAMPLE_WASM[example].body,
  source: () => exampleWasm(example),
})

/** One function per driver (and per isolation mode): the throughput scenarios' functions. */
const CASES: Case[] = [
  js('quickjs', 'js-trivial.js'),
  js('quickjs-request-isolation', 'js-request-isolation.js'),
  example('wasi-wagi-c', 'wagi-c'),
  example('micro-fnmicro', 'fnmicro'),
  example('wasi-emscripten', 'emscripten'),
]

export interface OverheadRow {
  name: string
  meanUs: number
  p50Us: number
  p99Us: number
  /** Mean minus the plain in-process call's mean: what the sandbox adds per call. */
  overheadUs: number
}

export interface OverheadResult {
  calls: number
  floor: OverheadRow
  drivers: OverheadRow[]
}

type Call = () => Promise<Response>

const url = 'http://127.0.0.1/bench'

function invokeOptions(): InvokeOptions {
  return { deadline: Date.now() + 10_000, signal: new AbortController().signal, log: discardLog }
}

const INVOCATION: HttpInvocation = {
  type: 'http',
  method: 'GET',
  url,
  path: '/bench',
  query: '',
  route: '/bench',
  params: {},
  headers: [],
  body: null,
  requestId: 'bench',
}

async function expectBody(name: string, call: Call, expected: string): Promise<void> {
  const res = await call()
  const body = await res.text()
  if (res.status !== 200 || body !== expected)
    throw new WrongAnswerError(
      `${name}: expected 200 ${JSON.stringify(expected)}, got ${res.status} ${JSON.stringify(body)}`,
    )
}

/** Times `calls` sequential calls, each building its Request and reading the whole body. */
async function time(
  name: string,
  call: Call,
  calls: number,
): Promise<Omit<OverheadRow, 'overheadUs'>> {
  for (let i = 0; i < Math.ceil(calls / 10); i++) await (await call()).text()
  const samples: number[] = []
  for (let i = 0; i < calls; i++) {
    const start = performance.now()
    await (await call()).text()
    samples.push((performance.now() - start) * 1000)
  }
  return {
    name,
    meanUs: round(mean(samples), 1),
    p50Us: round(percentile(samples, 50), 1),
    p99Us: round(percentile(samples, 99), 1),
  }
}

/** The floor: the same handler as a plain function in this process, no sandbox at all. */
const plain = async (_req: Request) => new Response(HELLO)
const floorCall: Call = () => plain(new Request(url))

/**
 * The drivers on this thread: this scenario measures a sandbox's own cost per call, without the
 * pool's hop (the throughput scenarios measure the whole path).
 */
const drivers = await createDrivers()
const inspector: FunctionInspector = async (file, bytes) => {
  const driver = drivers.detect(file, bytes)
  return { kind: driver.kind, ...(await driver.inspect(file, bytes)) }
}

/** Loads each case's function with its driver on this thread, checks its answer, then runs `body`. */
async function withEachDriver(
  ws: Workspace,
  body: (name: string, call: Call) => Promise<void>,
): Promise<void> {
  const dir = await ws.folder('overhead', {})
  for (const c of CASES) {
    await writeFiles(dir, { [c.file]: await c.source() })
    const outcome = await scanFile(dir, join(dir, c.file), inspector)
    if ('failure' in outcome) throw new WrongAnswerError(`${c.name}: ${outcome.failure.reason}`)
    const fn = await drivers.get(outcome.spec.kind).load(outcome.spec)
    const call: Call = async () =>
      toWebResponse(await fn.invoke(INVOCATION, invokeOptions()), 'bench')
    try {
      await expectBody(c.name, call, c.body)
      await body(c.name, call)
    } finally {
      await fn[Symbol.asyncDispose]()
    }
  }
}

export async function measureOverhead(ws: Workspace, settings: Settings): Promise<OverheadResult> {
  await expectBody('floor', floorCall, HELLO)
  const floor = await time('plain JS function (floor)', floorCall, settings.overheadCalls)
  const rows: OverheadRow[] = []
  await withEachDriver(ws, async (name, call) => {
    const row = await time(name, call, settings.overheadCalls)
    rows.push({ ...row, overheadUs: round(row.meanUs - floor.meanUs, 1) })
  })
  return { calls: settings.overheadCalls, floor: { ...floor, overheadUs: 0 }, drivers: rows }
}

export async function checkOverhead(ws: Workspace): Promise<void> {
  await expectBody('floor', floorCall, HELLO)
  await withEachDriver(ws, async () => {})
}
