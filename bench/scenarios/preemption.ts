import { CONFIG_DEFAULTS } from '../../host/config.js'
import { isFnhostError } from '../../host/errors.js'
import type { HttpInvocation } from '../../host/invocation.js'
import { discardLog } from '../../host/observe/invocation-log.js'
import { createPool } from '../../host/pool/index.js'
import { CopyGate } from '../../host/pool/preempt/copy-gate.js'
import { newRunSlotBuffer, RunSlot } from '../../host/pool/preempt/run-slot.js'
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
   * One js-trivial call on this thread, median µs, its guest entries published in a run slot (what
   * a pool worker does so the watchdog can stop it) and through an open gate (alternating rounds).
   */
  trivialUs: { withStops: number; withoutStops: number }
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

const SORT = `const numbers = Array.from({ length: 1e6 }, (_, i) => ((i * 7919) % 1e6) + 0.5)
export default { fetch() { const copy = numbers.slice(); copy.sort(); return new Response(String(copy[0])) } }`

function spec(
  name: string,
  kind: SandboxKind,
  source: Uint8Array,
  timeoutMs: number,
): FunctionSpec {
  const config = { ...CONFIG_DEFAULTS, timeoutMs, memoryMb: 512 }
  return { name, file: `/bench/${name}`, kind, routes: [], config, source, version: name }
}

/** Calls once under `timeoutMs`; the code of the error, or undefined when it answered. */
async function call(fn: LoadedFunction, timeoutMs: number): Promise<string | undefined> {
  const opts = {
    deadline: Date.now() + timeoutMs,
    signal: new AbortController().signal,
    log: discardLog,
  }
  try {
    const res = await fn.invoke(REQUEST, opts)
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

async function trivialUs(fn: LoadedFunction, calls: number): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now()
    if ((await call(fn, 5000)) !== undefined) throw new WrongAnswerError('js-trivial failed')
    samples.push((performance.now() - t0) * 1000)
  }
  return median(samples)
}

/**
 * What the mechanism costs a request, without a pool's message passing in the figures: the same
 * js-trivial loaded twice on this thread, once behind a gate publishing every entry in a run slot
 * (as in a worker), once behind an open gate; alternating rounds so drift hits both alike.
 */
async function gateCost(source: Uint8Array, calls: number): Promise<PreemptionResult['trivialUs']> {
  const drivers = await createDrivers()
  const trivialSpec = spec('js-trivial.js', 'quickjs', source, 5000)
  const gate = new CopyGate(new RunSlot(newRunSlotBuffer(), () => undefined))
  await using published = await drivers.load(trivialSpec, { gate, runId: 1 })
  await using open = await drivers.load(trivialSpec)
  const on: number[] = []
  const off: number[] = []
  for (let round = 0; round < 8; round++) {
    on.push(await trivialUs(published, calls / 8))
    off.push(await trivialUs(open, calls / 8))
  }
  return { withStops: median(on), withoutStops: median(off) }
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
    trivialUs: await gateCost(trivial, settings.overheadCalls),
    stops,
    kills,
  }
}
