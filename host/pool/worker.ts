import { phaseMark } from '../observe/phase-marks.js'
import { parentPort, workerData } from 'node:worker_threads'
import { FnhostError, isFnhostError } from '../errors.js'
import { countGuest, takeGuestCounts } from '../observe/guest-counts.js'
import { createDrivers, type DriverSet } from '../sandbox/index.js'
import type { LoadedFunction } from '../sandbox/types.js'
import { CopyGate, loadBudgetMs, type WorkerCopy } from './preempt/copy-gate.js'
import { buildCopy, describe } from './worker-load.js'
import { RunSlot, type StoppedEntry } from './preempt/run-slot.js'
import type { FromWorker, ToWorker, WorkerConfig } from './protocol.js'
import { warmUp } from './warmup.js'
import { WorkerChannel } from './worker-channel.js'
import { VendorsKept } from './vendor-wire.js'
import { errorToWire } from './wire.js'
import { workerOutput } from './worker-output.js'
import { traceStart } from '../observe/start-trace.js'

/* The worker side of the pool: builds the drivers from plain options, loads and runs functions. */

if (!parentPort) throw new Error('host/pool/worker runs only as a worker thread')
const port = parentPort
const config = workerData as WorkerConfig
traceStart('pool worker loaded')
/**
 * Set by start() before the first message is read. No top-level await in this module: the single
 * binary runs it as a script whose compiled code it caches (host/code-cache.ts), which an ES
 * module cannot be.
 */
let drivers: DriverSet

const slot = config.runSlot ? new RunSlot(config.runSlot, onStopped) : undefined
const sandboxes = new Map<number, WorkerCopy>()
/** Vendor bundles the main thread names by digest in later specs. */
const vendors = new VendorsKept()

/** A running task: invocations carry the controller that aborts them and the copy they run on. */
interface Running {
  ctrl?: AbortController
  log?: ReturnType<typeof batchedLog>
  gate?: CopyGate
  /** An invocation not yet running its guest: what restarts it if a stop swallowed its turn. */
  pending?: () => void
}
const channel = new WorkerChannel<Running>(port, config.heartbeatMs)
const { tasks } = channel
/**
 * A function whose calls lately took less than this (wall time, so a busy machine counts) starts
 * without first sending what waits in the outbox (its own start among it).
 */
const QUICK_MS = 2
const post = (msg: FromWorker, transfer?: ArrayBuffer[]) => channel.post(msg, transfer)
const track = (task: number, running: Running = {}) => channel.track(task, running)
const untrack = (task: number) => channel.untrack(task)

/** Starts (re)building a copy's sandbox behind a fresh gate (buildCopy). */
const build = (copy: WorkerCopy, runId: number, deadline: number) =>
  buildCopy(drivers, slot, copy, runId, deadline)

/**
 * Says a load or check has started, at once: its guest code may run the rest of the turn, and
 * if that costs the worker, the main thread must know it ran (it is not retried elsewhere).
 */
function started(task: number): void {
  post({ type: 'started', task })
  channel.flush()
}

async function load(msg: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  phaseMark('w:load-recv')
  track(msg.task)
  started(msg.task)
  let spec
  try {
    spec = vendors.spec(msg.spec, msg.forgetVendor)
  } catch (e) {
    untrack(msg.task)
    return post({ type: 'failed', task: msg.task, error: errorToWire(e) })
  }
  const copy: WorkerCopy = {
    spec,
    gate: new CopyGate(slot),
    loading: undefined,
    ready: false,
  }
  sandboxes.set(msg.fn, copy)
  try {
    traceStart(`load ${spec.name}`)
    reportMemory(msg.fn, copy, await build(copy, msg.task, msg.deadline))
    phaseMark('w:loaded')
    traceStart(`loaded ${spec.name}`)
    post({ type: 'loaded', task: msg.task })
    channel.flush()
  } catch (e) {
    if (sandboxes.get(msg.fn) === copy) sandboxes.delete(msg.fn)
    post({ type: 'failed', task: msg.task, error: errorToWire(e) })
  } finally {
    untrack(msg.task)
  }
}

async function inspect(msg: Extract<ToWorker, { type: 'inspect' }>): Promise<void> {
  track(msg.task)
  started(msg.task)
  try {
    traceStart('inspect')
    const driver = drivers.detect(msg.file, msg.bytes)
    const { config } = await driver.inspect(msg.file, msg.bytes, msg.hints)
    traceStart('inspected')
    post({ type: 'inspected', task: msg.task, kind: driver.kind, config })
    // The main thread waits on this answer to go on with its scan: it goes now, not at turn's end.
    channel.flush()
  } catch (e) {
    const error = isFnhostError(e) ? e : new FnhostError('FUNCTION_LOAD_FAILED', describe(e))
    post({ type: 'failed', task: msg.task, error: errorToWire(error) })
  } finally {
    untrack(msg.task)
  }
}

async function unload(fn: number): Promise<void> {
  const copy = sandboxes.get(fn)
  sandboxes.delete(fn)
  // A copy cut short by a stop is dropped whole: its engine may be mid-operation.
  if (!copy || copy.gate.closed) return
  const loaded = await copy.loading?.catch(() => undefined)
  try {
    await loaded?.[Symbol.asyncDispose]()
  } catch (e) {
    // The copy is dropped either way; a failed dispose (e.g. a leaked value) is worth a log line.
    post({ type: 'problem', message: `disposing ${loaded?.spec.name} failed: ${describe(e)}` })
  }
}

const { batchedLog, sendResponse } = workerOutput(post, config.logCap)

/** The copy's sandbox, waiting for its load (or rebuild after a stop); the deadline to run under. */
async function sandboxFor(
  msg: Extract<ToWorker, { type: 'invoke' }>,
  running: Running,
): Promise<{ fn: LoadedFunction; deadline: number; copy: WorkerCopy }> {
  const copy = sandboxes.get(msg.fn)
  if (!copy) throw new Error(`function #${msg.fn} is not loaded in this worker`)
  if (copy.ready && copy.loading) {
    running.gate = copy.gate
    return { fn: await copy.loading, deadline: msg.deadline, copy }
  }
  let loading = copy.loading
  if (!loading) {
    countGuest('sandboxRebuilds')
    loading = build(copy, msg.task, Date.now() + loadBudgetMs(copy.spec, config.loadTimeoutMs))
  }
  post({
    type: 'loading',
    task: msg.task,
    until: Date.now() + loadBudgetMs(copy.spec, config.loadTimeoutMs),
  })
  running.gate = copy.gate
  const fn = await loading
  // Every invocation released by the same load gets a turn of its own: a stop cuts short the
  // microtasks queued behind the one it stops, which must not be another request's.
  await new Promise((resolve) => setImmediate(resolve))
  return { fn, deadline: Math.max(msg.deadline, Date.now() + msg.limitMs), copy }
}

/** `ownTurn`: wait for a turn of its own before running (it came in a batch behind another). */
async function invoke(msg: Extract<ToWorker, { type: 'invoke' }>, ownTurn: boolean): Promise<void> {
  const ctrl = channel.controller()
  const log = batchedLog(msg.task)
  const running: Running = { ctrl, log }
  track(msg.task, running)
  await attempt(msg, running, ownTurn)
}

/**
 * One attempt at an invocation. A stop drops the microtasks queued behind the code it stops, so
 * an invocation still waiting for its sandbox may lose its turn: the stop's recovery starts it
 * again (`pending`), and the older attempt, should it wake after all, sees it is not current.
 */
async function attempt(
  msg: Extract<ToWorker, { type: 'invoke' }>,
  running: Running,
  ownTurn = false,
): Promise<void> {
  const { ctrl, log } = running as Required<Pick<Running, 'ctrl' | 'log'>>
  const current = () => tasks.get(msg.task) === running && running.pending === restart
  const restart = () => void attempt(msg, running)
  running.pending = restart
  try {
    // A stop drops the microtasks of the turn it lands in: requests that arrived together each
    // run in a turn of their own, so one stopped guest never swallows another's answer.
    if (ownTurn) await new Promise((resolve) => setImmediate(resolve))
    if (!current()) return
    const { fn, deadline, copy } = await sandboxFor(msg, running)
    if (!current()) return
    running.pending = undefined
    post({ type: 'started', task: msg.task, deadline })
    // Answers of earlier requests go out before this guest runs: should it cost the worker, the
    // main thread must not take them for never run and run them again elsewhere. Unless it has
    // been quick, what else waits (its own start) goes too: a slow guest would hold it.
    if (channel.answersWaiting || !((copy.recentMs ?? Infinity) < QUICK_MS)) channel.flush()
    // waitUntil work keeps the task running here and on the main thread (its deadline, its slot).
    const after: Promise<void>[] = []
    const res = await timed(copy, () =>
      fn.invoke(msg.inv, {
        deadline,
        signal: ctrl.signal,
        log,
        runId: msg.task,
        waitUntil: (work) => void after.push(work),
      }),
    )
    log.flush()
    sendGuestCounts()
    reportMemory(msg.fn, copy, fn)
    await sendResponse(msg.task, res, after.length > 0)
    if (after.length > 0) {
      await Promise.allSettled(after)
      log.flush()
      post({ type: 'settled', task: msg.task })
    }
  } catch (e) {
    if (running.pending && !current()) return
    log.flush()
    sendGuestCounts()
    post({ type: 'failed', task: msg.task, error: errorToWire(e) })
  }
  untrack(msg.task)
}

/** Runs a call, keeping a moving average of how long the copy's calls take (one slow call counts). */
async function timed<T>(copy: WorkerCopy, call: () => Promise<T>): Promise<T> {
  const began = performance.now()
  try {
    return await call()
  } finally {
    const took = performance.now() - began
    copy.recentMs = copy.recentMs === undefined ? took : copy.recentMs * 0.8 + took * 0.2
  }
}

/** A change in a copy's memory smaller than this is not reported (a page of QuickJS heap moves often). */
const MEMORY_REPORT_STEP = 256 * 1024

/** Tells the main thread what a copy's memory is now, when it moved since the last report. */
function reportMemory(fn: number, copy: WorkerCopy, loaded: LoadedFunction): void {
  if (sandboxes.get(fn) !== copy) return
  const bytes = loaded.memoryBytes?.()
  if (bytes === undefined) return
  const last = copy.reportedBytes
  if (last !== undefined && Math.abs(bytes - last) < MEMORY_REPORT_STEP) return
  copy.reportedBytes = bytes
  post({ type: 'memory', fn, bytes })
}

/** Sends what was counted here before the answer, so a scrape after the answer sees it. */
function sendGuestCounts(): void {
  const counts = takeGuestCounts()
  if (counts) post({ type: 'counts', counts })
}

/**
 * A stop unwound the guest code of `entry.task` (nothing of its handler runs again): its sandbox is
 * dropped and rebuilt on next use, the other requests sharing that sandbox fail, the stopped one
 * is reported. Other sandboxes in this worker stay loaded.
 */
function onStopped(entry: StoppedEntry): void {
  const gate = entry.gate as CopyGate | undefined
  if (gate) {
    gate.closed = true
    for (const copy of sandboxes.values())
      if (copy.gate === gate) {
        copy.loading = undefined
        copy.ready = false
      }
  }
  for (const [task, running] of tasks) {
    if (task === entry.task || !gate || running.gate !== gate) continue
    running.log?.flush()
    running.ctrl?.abort()
    untrack(task)
    const error = new FnhostError(
      'CPU_LIMIT',
      'another request to this function ran past its time limit, and the sandbox it shared with this request was reset',
    )
    post({ type: 'failed', task, error: errorToWire(error) })
  }
  tasks.get(entry.task)?.log?.flush()
  untrack(entry.task)
  sendGuestCounts()
  post({ type: 'stopped', task: entry.task })
  for (const running of [...tasks.values()]) running.pending?.()
}

/** Prepares for a function loading elsewhere; one naming a vendor bundle never sent is skipped. */
function expect(msg: Extract<ToWorker, { type: 'expect' }>): void {
  let spec
  try {
    spec = vendors.spec(msg.spec, msg.forgetVendor)
  } catch {
    return
  }
  drivers.expect(spec)
}

function receive(msg: ToWorker, ownTurn: boolean): void {
  switch (msg.type) {
    case 'load':
      return void load(msg)
    case 'invoke':
      return void invoke(msg, ownTurn)
    case 'inspect':
      return void inspect(msg)
    case 'abort':
      return tasks.get(msg.task)?.ctrl?.abort(new Error('the request was aborted'))
    case 'unload':
      return void unload(msg.fn)
    case 'expect':
      return expect(msg)
    case 'stopped':
      return
  }
}

async function start(): Promise<void> {
  drivers = await createDrivers(config.drivers)
  traceStart('drivers created')
  // A serving worker (the scanner warms nothing) compiles its engines while it waits for work.
  if (config.warmup) drivers.prepare()
  port.on('message', (msgs: ToWorker[]) => {
    phaseMark('w:msg', () => msgs.map((m) => m.type).join(','))
    slot?.recover()
    let invocations = 0
    for (const msg of msgs) receive(msg, msg.type === 'invoke' && invocations++ > 0)
  })
  if (config.warmup && config.warmupLaterMs !== undefined) {
    traceStart('ready')
    post({ type: 'ready' })
    setTimeout(() => void warmLater(), config.warmupLaterMs).unref()
  } else {
    const warmupError = config.warmup ? await warmUp(drivers) : undefined
    traceStart(config.warmup ? 'warmed up' : 'ready')
    post({ type: 'ready', warmupError })
  }
}

// A failed start is the thread's uncaught error (its 'error' event), as a top-level await's was.
start().catch((e: unknown) =>
  process.nextTick(() => {
    throw e
  }),
)

/**
 * A warm-up after ready, unless a function has loaded by then (its load warmed the engines it
 * uses); what goes wrong is logged as a problem (the worker serves anyway).
 */
async function warmLater(): Promise<void> {
  if (sandboxes.size > 0) return
  const error = await warmUp(drivers)
  traceStart('warmed up')
  if (error) post({ type: 'problem', message: `failed to warm up: ${error}` })
}
