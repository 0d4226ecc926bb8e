import { CONFIG_DEFAULTS } from '../../host/config.js'
import { isFnhostError } from '../../host/errors.js'
import type { HttpInvocation } from '../../host/invocation.js'
import { discardLog } from '../../host/observe/invocation-log.js'
import { createPool } from '../../host/pool/index.js'
import { CopyGate } from '../../host/pool/preempt/copy-gate.js'
import { newRunSlotBuffer, RunSlot } from '../../host/pool/preempt/run-slot.js'
import { openGate, type GuestGate, type GuestRun } from '../../host/sandbox/guest-gate.js'
import { createDrivers } from '../../host/sandbox/index.js'
import type { LoadedFunction } from '../../host/sandbox/types.js'
import type { FunctionSpec, SandboxKind } from '../../host/types.js'
import { WrongAnswerError } from '../answer.js'
import { benchFunction } from '../fixtures.js'
import type { Settings } from '../settings.js'
import { spinWasm } from '../spin-wasm.js'
import { median, sleep, summarize, type Summary } from '../stats.js'

export interface PreemptionResult {
  /** How the pool stopped overrunning guests in this run. */
  mechanism: 'v8-terminate' | 'worker-kill'
  timeoutMs: number
  /** Answer time past the deadline of a wasm loop stopped in place (ms). */
  wasmLoopOvershoot: Summary
  /** The same for a QuickJS native sort of 1e6 numbers (no interrupt check inside it). */
  nativeSortOvershoot: Summary
  /** A trivial request sent to the same worker right after each stop (ms, round trip). */
  nextRequestMs: Summary
  /** In-place stops off (`inThreadStops: false`): a wasm loop ends with its worker (ms past deadline). */
  hardKillOvershoot: Summary
  /** Answers other than 504 CPU_LIMIT while killing (a request caught by a worker's replacement). */
  hardKillErrors: number
  /**
   * js-trivial on this thread, its guest entries published in a run slot (what a pool worker does
   * so the watchdog can stop it) or through an open gate: median µs per call of each (timed call
   * for call), entries per call, ns per published entry, and their product as % of a call.
   */
  trivial: {
    withStopsUs: number
    withoutStopsUs: number
    entriesPerCall: number
    entryNs: number
    costPct: number
  }
  stops: number
  kills: number
}

const REQUEST: HttpInvocation = {
  type: 'http',
  method: 'GET',
  url: 'http://bench/',
  path: '/',
  query: '',
  route: '/',
  params: {},
  headers: [],
  body: null,
  requestId: 'bench',
}

/** `?quick` answers at once: it has the sandbox rebuilt after a stop before the next timed call. */
const SORT = `const numbers = Array.from({ length: 1e6 }, (_, i) => ((i * 7919) % 1e6) + 0.5)
export default { fetch(req) {
  if (new URL(req.url).search === '?quick') return new Response('quick')
  const copy = numbers.slice(); copy.sort(); return new Response(String(copy[0])) } }`

function spec(
  name: string,
  kind: SandboxKind,
  source: Uint8Array,
  timeoutMs: number,
): FunctionSpec {
  const config = { ...CONFIG_DEFAULTS, timeoutMs, memoryMb: 512 }
  return { name, file: `/bench/${name}`, kind, routes: [], config, source, version: name }
}

const QUICK: HttpInvocation = { ...REQUEST, url: 'http://bench/?quick', query: 'quick' }

/** Calls once under `timeoutMs`; the code of the error, or undefined when it answered. */
async function call(
  fn: LoadedFunction,
  timeoutMs: number,
  inv: HttpInvocation = REQUEST,
): Promise<string | undefined> {
  const opts = {
    deadline: Date.now() + timeoutMs,
    signal: new AbortController().signal,
    log: discardLog,
  }
  try {
    const res = await fn.invoke(inv, opts)
    if (res.status !== 200) throw new WrongAnswerError(`answered ${res.status}, expected 200`)
    return undefined
  } catch (e) {
    if (isFnhostError(e)) return e.code
    throw e
  }
}

/** ms past its deadline at which one overrunning call was answered 504 CPU_LIMIT. */
async function overshoot(fn: LoadedFunction, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs
  const code = await call(fn, timeoutMs)
  if (code !== 'CPU_LIMIT')
    throw new WrongAnswerError(`answered ${code ?? 200}, expected CPU_LIMIT (${fn.spec.name})`)
  return Date.now() - deadline
}

/** Times one call of each function in turn (which goes first alternates), `calls` times. */
async function pairedUs(a: LoadedFunction, b: LoadedFunction, calls: number): Promise<number[][]> {
  const samples: number[][] = [[], []]
  for (let i = 0; i < calls; i++)
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const fn = k === 0 ? a : b
      const t0 = performance.now()
      if ((await call(fn, 5000)) !== undefined) throw new WrongAnswerError('js-trivial failed')
      samples[k]!.push((performance.now() - t0) * 1000)
    }
  return samples
}

/** A gate that counts the entries it lets through (into an open gate). */
class CountingGate implements GuestGate {
  entries = 0
  run<T>(run: GuestRun, f: () => T): T {
    this.entries++
    return openGate.run(run, f)
  }
}

/** ns one entry into guest code costs when it is published in a run slot, past an open gate. */
function nsPerEntry(): number {
  const gate = new CopyGate(new RunSlot(newRunSlotBuffer(), () => undefined))
  const run = { runId: 1, deadline: Date.now() + 60_000 }
  let sink = 0
  const f = () => sink++
  const time = (g: GuestGate) => {
    const t0 = performance.now()
    for (let i = 0; i < ENTRY_LOOPS; i++) g.run(run, f)
    return ((performance.now() - t0) * 1e6) / ENTRY_LOOPS
  }
  const costs: number[] = []
  for (let round = 0; round < 5; round++) costs.push(time(gate) - time(openGate))
  return median(costs)
}

const ENTRY_LOOPS = 1_000_000

/**
 * What the mechanism costs a request, without a pool's message passing in the figures: the same
 * js-trivial loaded on this thread behind a gate publishing every entry in a run slot (as in a
 * worker) and behind an open gate, timed call for call; and, steadier, the cost of one published
 * entry times the entries one js-trivial call makes.
 */
async function gateCost(source: Uint8Array, calls: number): Promise<PreemptionResult['trivial']> {
  const drivers = await createDrivers()
  const trivialSpec = spec('js-trivial.js', 'quickjs', source, 5000)
  const gate = new CopyGate(new RunSlot(newRunSlotBuffer(), () => undefined))
  const counter = new CountingGate()
  await using published = await drivers.load(trivialSpec, { gate, runId: 1 })
  await using open = await drivers.load(trivialSpec)
  await using counted = await drivers.load(trivialSpec, { gate: counter })
  counter.entries = 0
  if ((await call(counted, 5000)) !== undefined) throw new WrongAnswerError('js-trivial failed')
  const entriesPerCall = counter.entries
  const [on, off] = (await pairedUs(published, open, calls)) as [number[], number[]]
  const entryNs = nsPerEntry()
  return {
    withStopsUs: median(on),
    withoutStopsUs: median(off),
    entriesPerCall,
    entryNs,
    costPct: (entryNs * entriesPerCall) / 10 / median(off),
  }
}

/** Stops in place (and the last resort) as a pool sees them, in process: no HTTP in the figures. */
export async function measurePreemption(settings: Settings): Promise<PreemptionResult> {
  const timeoutMs = settings.limitTimeoutMs
  const runs = settings.limitRuns
  const trivial = new TextEncoder().encode(await benchFunction('js-trivial.js'))
  await using pool = createPool({ workers: 1 })
  const loop = await pool.load(spec('spin.wasm', 'wasi', spinWasm(), timeoutMs))
  const sort = await pool.load(
    spec('sort.js', 'quickjs', new TextEncoder().encode(SORT), timeoutMs),
  )
  const hello = await pool.load(spec('hello.js', 'quickjs', trivial, 5000))
  const wasm: number[] = []
  const native: number[] = []
  const next: number[] = []
  for (let i = 0; i < runs; i++) {
    wasm.push(await overshoot(loop, timeoutMs))
    const t0 = performance.now()
    if ((await call(hello, 5000)) !== undefined) throw new WrongAnswerError('hello failed')
    next.push(performance.now() - t0)
    // A stopped sandbox is rebuilt on its next call, whose deadline starts after the rebuild.
    if ((await call(sort, 5000, QUICK)) !== undefined)
      throw new WrongAnswerError('sort ?quick failed')
    native.push(await overshoot(sort, timeoutMs))
  }
  const { stops, kills, stopMechanism } = pool.stats()

  await using killing = createPool({ workers: 1, inThreadStops: false })
  const killed = await killing.load(spec('spin.wasm', 'wasi', spinWasm(), timeoutMs))
  const hardKill: number[] = []
  let hardKillErrors = 0
  // The answer is checked first; on a loaded machine a first call may be caught by the start.
  for (let tries = 1; (await call(killed, timeoutMs)) !== 'CPU_LIMIT'; tries++)
    if (tries === 3) throw new WrongAnswerError('the killed wasm loop never answered CPU_LIMIT')
  for (let i = 0; i < runs; i++) {
    await sleep(300)
    const deadline = Date.now() + timeoutMs
    if ((await call(killed, timeoutMs)) === 'CPU_LIMIT') hardKill.push(Date.now() - deadline)
    else hardKillErrors++
  }
  return {
    mechanism: stopMechanism,
    timeoutMs,
    wasmLoopOvershoot: summarize(wasm),
    nativeSortOvershoot: summarize(native),
    nextRequestMs: summarize(next),
    hardKillOvershoot: summarize(hardKill),
    hardKillErrors,
    trivial: await gateCost(trivial, settings.overheadCalls),
    stops,
    kills,
  }
}
