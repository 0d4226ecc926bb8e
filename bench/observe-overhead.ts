/**
 * What metrics and JSON logs cost on the hot path, alone: the `observe` section of
 * `npm run bench` (bench/scenarios/observe.ts: js-trivial served with metrics and JSON access
 * logs off, metrics alone, and both on, in rotating order), then the same comparison in-process
 * (`app.request`, no sockets): the main thread's busy time per request, the part the access line
 * adds to. Exit code 1 when the ratio misses the bound.
 *
 *   node --import tsx bench/observe-overhead.ts [--quick] [--sets N] [--slices N] [--generator wrk|autocannon]
 */
import { closeSync, openSync, readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { createHost, type Host } from '../host/host.js'
import { silentLogger } from '../host/observe/log.js'
import { batchedFd } from '../host/observe/batched-fd.js'
import { createOutputLogger } from '../host/observe/log-output.js'
import { HELLO } from './answer.js'
import { benchFunction, workspace } from './fixtures.js'
import { chooseLoadGenerator, GENERATOR_NAMES, type GeneratorName } from './load.js'
import {
  measureObserve,
  OBSERVE_MIN_RATIO,
  observePlan,
  observeSection,
} from './scenarios/observe.js'
import { FULL, QUICK } from './settings.js'
import { median, round } from './stats.js'

/**
 * This thread's time on CPU, µs: Linux's per-thread schedstat (Node 20 has no per-thread CPU
 * call), else the event loop's active time, which also counts time the thread waited for a core.
 */
function mainThreadUs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1000
  } catch {
    return performance.eventLoopUtilization().active * 1000
  }
}

/** The in-process figure compares the two ends only: both off, and metrics with JSON logs. */
type Mode = 'off' | 'on'

/** Calls per timed batch of the in-process figure, requests in flight, and batches per side. */
const BATCH_CALLS = 4000
const IN_FLIGHT = 50
const BATCHES = 15

/**
 * The same comparison without sockets or the load generator: two hosts in this process, requests
 * through `app.request` (IN_FLIGHT at a time, as the load generator keeps its connections busy),
 * alternating batches. What is compared is the main thread's CPU time per request (Hono, the
 * middleware, dispatch, the log line; the guests run on worker threads), the part of a request the
 * access line adds to. The on side's JSON lines go through
 * the same batched writer as a served host's, into /dev/null.
 */
async function inProcess(dir: string): Promise<Record<Mode, number>> {
  const fd = openSync('/dev/null', 'w')
  let lines = 0
  const out = batchedFd(fd)
  const sink = {
    write(line: string) {
      lines++
      return out.write(line)
    },
  }
  const hosts: Record<Mode, Host> = {
    off: await createHost({ dir, watch: false, logger: silentLogger, metrics: false }),
    on: await createHost({
      dir,
      watch: false,
      logger: createOutputLogger('json', sink),
      accessLog: true,
    }),
  }
  const call = async (mode: Mode) => {
    const res = await hosts[mode].app.request('/js-trivial')
    const body = await res.text()
    if (res.status !== 200 || body !== HELLO)
      throw new Error(`in-process ${mode}: wrong answer ${res.status}`)
  }
  const batch = async (mode: Mode, calls: number) => {
    let next = 0
    const lane = async () => {
      while (next++ < calls) await call(mode)
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
  }
  const perCall: Record<Mode, number[]> = { off: [], on: [] }
  try {
    for (const mode of ['off', 'on'] as Mode[]) await batch(mode, BATCH_CALLS)
    for (let b = 0; b < BATCHES; b++) {
      for (const mode of (b % 2 === 0 ? ['off', 'on'] : ['on', 'off']) as Mode[]) {
        const before = mainThreadUs()
        await batch(mode, BATCH_CALLS)
        perCall[mode].push((mainThreadUs() - before) / BATCH_CALLS)
      }
    }
    if (lines < BATCH_CALLS) throw new Error(`the JSON access log wrote ${lines} lines`)
  } finally {
    await hosts.off[Symbol.asyncDispose]()
    await hosts.on[Symbol.asyncDispose]()
    closeSync(fd)
  }
  return { off: median(perCall.off), on: median(perCall.on) }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      sets: { type: 'string' },
      slices: { type: 'string' },
      generator: { type: 'string' },
    },
    strict: true,
  })
  const settings = { ...(values.quick ? QUICK : FULL), quick: values.quick ?? false }
  const plan = observePlan(settings)
  if (values.sets !== undefined) plan.sets = Number(values.sets)
  if (values.slices !== undefined) plan.slices = Number(values.slices)
  if (![plan.sets, plan.slices].every((n) => Number.isInteger(n) && n >= 1))
    throw new Error('--sets and --slices take a whole number >= 1')
  const wanted = values.generator
  if (wanted !== undefined && !(GENERATOR_NAMES as readonly string[]).includes(wanted))
    throw new Error(`--generator takes ${GENERATOR_NAMES.join(' or ')}`)
  const generator = await chooseLoadGenerator(wanted as GeneratorName | undefined)
  process.stderr.write(
    `observe-overhead: ${generator.version}, ${plan.sets} sets of ${plan.slices} slices\n`,
  )
  await using ws = await workspace()
  const result = await measureObserve(ws, settings, generator, plan, (l) =>
    process.stderr.write(`  ${l}\n`),
  )
  const calls = await inProcess(
    await ws.folder('in-process', { 'js-trivial.js': await benchFunction('js-trivial.js') }),
  )
  process.stdout.write(
    observeSection(result) +
      `\nin process (app.request, ${IN_FLIGHT} in flight, no sockets; main thread CPU per request, median of ${BATCHES} batches of ${BATCH_CALLS}):\n` +
      `  off ${round(calls.off, 1)} µs/request, on ${round(calls.on, 1)} µs/request, ` +
      `cost ${round(calls.on - calls.off, 1)} µs (${(((calls.on - calls.off) / calls.off) * 100).toFixed(1)} %)\n`,
  )
  return result.ratio >= OBSERVE_MIN_RATIO ? 0 : 1
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`observe-overhead: ${(e as Error).message}\n`)
    process.exitCode = 1
  },
)
