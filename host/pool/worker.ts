import { parentPort, workerData } from 'node:worker_threads'
import { FnhostError, isFnhostError } from '../errors.js'
import type { GuestResponse, HttpInvocation } from '../invocation.js'
import { takeGuestCounts } from '../observe/guest-counts.js'
import { CappedLog, discardLog, type LogLevel } from '../observe/invocation-log.js'
import { createDrivers } from '../sandbox/index.js'
import type { LoadedFunction } from '../sandbox/types.js'
import type { FunctionSpec } from '../types.js'
import type { FromWorker, ToWorker, WorkerConfig } from './protocol.js'
import { errorToWire, ownedBuffer } from './wire.js'

/* The worker side of the pool: builds the drivers from plain options, loads and runs functions. */

if (!parentPort) throw new Error('host/pool/worker runs only as a worker thread')
const port = parentPort
const config = workerData as WorkerConfig
const drivers = await createDrivers(config.drivers)

const sandboxes = new Map<number, Promise<LoadedFunction>>()
/** Running tasks; invocations carry the controller that aborts them. */
const tasks = new Map<number, AbortController | undefined>()
let heartbeat: NodeJS.Timeout | undefined

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  try {
    port.postMessage(msg, transfer)
  } catch {
    // A buffer that cannot be moved (e.g. a view of wasm memory) is copied instead.
    port.postMessage(msg)
  }
}

function track(task: number, ctrl?: AbortController): void {
  tasks.set(task, ctrl)
  heartbeat ??= setInterval(() => post({ type: 'beat' }), config.heartbeatMs)
}

function untrack(task: number): void {
  tasks.delete(task)
  if (tasks.size === 0 && heartbeat) {
    clearInterval(heartbeat)
    heartbeat = undefined
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

function loadError(spec: FunctionSpec, e: unknown): FnhostError {
  if (isFnhostError(e)) return e
  return new FnhostError(
    'FUNCTION_LOAD_FAILED',
    `function ${spec.name} failed to load: ${describe(e)}`,
    {
      cause: e,
    },
  )
}

async function load(msg: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  track(msg.task)
  post({ type: 'started', task: msg.task })
  const loading = drivers.load(msg.spec).catch((e: unknown) => {
    throw loadError(msg.spec, e)
  })
  sandboxes.set(msg.fn, loading)
  try {
    await loading
    post({ type: 'loaded', task: msg.task })
  } catch (e) {
    if (sandboxes.get(msg.fn) === loading) sandboxes.delete(msg.fn)
    post({ type: 'failed', task: msg.task, error: errorToWire(e) })
  } finally {
    untrack(msg.task)
  }
}

async function inspect(msg: Extract<ToWorker, { type: 'inspect' }>): Promise<void> {
  track(msg.task)
  post({ type: 'started', task: msg.task })
  try {
    const driver = drivers.detect(msg.file, msg.bytes)
    const { config } = await driver.inspect(msg.file, msg.bytes, msg.hints)
    post({ type: 'inspected', task: msg.task, kind: driver.kind, config })
  } catch (e) {
    const error = isFnhostError(e) ? e : new FnhostError('FUNCTION_LOAD_FAILED', describe(e))
    post({ type: 'failed', task: msg.task, error: errorToWire(error) })
  } finally {
    untrack(msg.task)
  }
}

async function unload(fn: number): Promise<void> {
  const loading = sandboxes.get(fn)
  sandboxes.delete(fn)
  const loaded = await loading?.catch(() => undefined)
  try {
    await loaded?.[Symbol.asyncDispose]()
  } catch (e) {
    // The copy is dropped either way; a failed dispose (e.g. a leaked value) is worth a log line.
    post({ type: 'problem', message: `disposing ${loaded?.spec.name} failed: ${describe(e)}` })
  }
}

/**
 * Guest output under the invocation's caps, sent in batches: one message per event-loop turn at
 * most, however many lines the guest writes, so log volume never floods the port.
 */
function batchedLog(task: number): CappedLog & { flush(): void } {
  let lines: [LogLevel, string][] = []
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (lines.length === 0) return
    post({ type: 'logs', task, lines, full: log.full })
    lines = []
  }
  const log = new CappedLog(
    (level, message) => {
      lines.push([level, message])
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    },
    undefined,
    config.logCap,
  )
  return Object.assign(log, { flush })
}

function sendChunk(task: number, chunk: Uint8Array): void {
  const data = ownedBuffer(chunk)
  post({ type: 'chunk', task, data }, [data])
}

async function sendResponse(task: number, res: GuestResponse, after: boolean): Promise<void> {
  const { status, headers, body } = res
  if (body === null) return post({ type: 'response', task, status, headers, body: null, after })
  if (body instanceof Uint8Array) {
    const data = ownedBuffer(body)
    return post({ type: 'response', task, status, headers, body: data, after }, [data])
  }
  // A streamed body that turns out to be one chunk crosses whole, in the response message.
  const chunks = body[Symbol.asyncIterator]()
  const first = await chunks.next()
  if (first.done)
    return post({ type: 'response', task, status, headers, body: new ArrayBuffer(0), after })
  const second = await chunks.next()
  if (second.done) {
    const data = ownedBuffer(first.value)
    return post({ type: 'response', task, status, headers, body: data, after }, [data])
  }
  post({ type: 'response', task, status, headers, body: 'stream' })
  sendChunk(task, first.value)
  sendChunk(task, second.value)
  for (let next = await chunks.next(); !next.done; next = await chunks.next())
    sendChunk(task, next.value)
  post({ type: 'end', task, after })
}

async function invoke(msg: Extract<ToWorker, { type: 'invoke' }>): Promise<void> {
  const ctrl = new AbortController()
  track(msg.task, ctrl)
  const log = batchedLog(msg.task)
  try {
    const loading = sandboxes.get(msg.fn)
    if (!loading) throw new Error(`function #${msg.fn} is not loaded in this worker`)
    const fn = await loading
    post({ type: 'started', task: msg.task })
    // waitUntil work keeps the task running here and on the main thread (its deadline, its slot).
    const after: Promise<void>[] = []
    const res = await fn.invoke(msg.inv, {
      deadline: msg.deadline,
      signal: ctrl.signal,
      log,
      waitUntil: (work) => void after.push(work),
    })
    log.flush()
    sendGuestCounts()
    await sendResponse(msg.task, res, after.length > 0)
    if (after.length > 0) {
      await Promise.allSettled(after)
      log.flush()
      post({ type: 'settled', task: msg.task })
    }
  } catch (e) {
    log.flush()
    sendGuestCounts()
    post({ type: 'failed', task: msg.task, error: errorToWire(e) })
  } finally {
    untrack(msg.task)
  }
}

/** Sends what was counted here before the answer, so a scrape after the answer sees it. */
function sendGuestCounts(): void {
  const counts = takeGuestCounts()
  if (counts) post({ type: 'counts', counts })
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'load':
      return void load(msg)
    case 'invoke':
      return void invoke(msg)
    case 'inspect':
      return void inspect(msg)
    case 'abort':
      return tasks.get(msg.task)?.abort(new Error('the request was aborted'))
    case 'unload':
      return void unload(msg.fn)
  }
})

const WARMUP_REQUEST: HttpInvocation = {
  type: 'http',
  method: 'GET',
  url: 'http://warmup/',
  path: '/',
  query: '',
  route: '/',
  params: {},
  headers: [],
  body: null,
  requestId: 'warmup',
}

/** Loads and calls each driver's warm-up function once, so engines compile before traffic. */
async function warmUp(): Promise<string | undefined> {
  if (!config.warmup) return undefined
  try {
    for (const driver of drivers.drivers) {
      const spec = driver.warmup?.()
      if (!spec) continue
      await using fn = await driver.load(spec)
      const res = await fn.invoke(WARMUP_REQUEST, {
        deadline: Date.now() + spec.config.timeoutMs,
        signal: new AbortController().signal,
        log: discardLog,
      })
      if (res.body !== null && !(res.body instanceof Uint8Array)) await drain(res.body)
    }
    return undefined
  } catch (e) {
    return describe(e)
  }
}

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<void> {
  const it = chunks[Symbol.asyncIterator]()
  while (!(await it.next()).done);
}

post({ type: 'ready', warmupError: await warmUp() })
