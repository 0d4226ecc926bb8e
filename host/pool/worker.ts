import { parentPort, workerData } from 'node:worker_threads'
import { FnhostError, isFnhostError } from '../errors.js'
import type { FunctionLoader, InvocationLog, LoadedFunction } from '../sandbox/types.js'
import type { FunctionSpec } from '../types.js'
import type { FromWorker, ToWorker, WorkerConfig } from './protocol.js'
import { errorToWire, headToWire, ownedBuffer, requestFromWire } from './wire.js'

/* The worker side of the pool: loads functions with the sandbox drivers and runs invocations. */

if (!parentPort) throw new Error('host/pool/worker runs only as a worker thread')
const port = parentPort
const config = workerData as WorkerConfig
const { loadInProcess } = (await import(config.loaderModule)) as { loadInProcess: FunctionLoader }

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
  const loading = loadInProcess(msg.spec).catch((e: unknown) => {
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

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/** Forwards guest output under the same cap as the main thread's log, plus one byte so it notices. */
function forwardLog(task: number): InvocationLog {
  let used = 0
  let full = false
  return {
    get full() {
      return full
    },
    write(level, message) {
      if (full) return
      const size = Buffer.byteLength(message)
      if (used + size > config.logCapBytes) {
        full = true
        message = message.slice(0, config.logCapBytes - used + 1)
      }
      used += size
      post({ type: 'log', task, level, message })
    },
  }
}

function sendChunk(task: number, chunk: Uint8Array): void {
  const data = ownedBuffer(chunk)
  post({ type: 'chunk', task, data }, [data])
}

async function sendResponse(
  task: number,
  res: Response,
  signal: AbortSignal,
  after: boolean,
): Promise<void> {
  const head = headToWire(res)
  if (!res.body) return post({ type: 'response', task, head, body: null, after })
  const reader = res.body.getReader()
  signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), {
    once: true,
  })
  const first = await reader.read()
  if (first.done) return post({ type: 'response', task, head, body: new ArrayBuffer(0), after })
  const second = await reader.read()
  if (second.done) {
    const body = ownedBuffer(first.value)
    return post({ type: 'response', task, head, body, after }, [body])
  }
  post({ type: 'response', task, head, body: 'stream' })
  sendChunk(task, first.value)
  sendChunk(task, second.value)
  for (let next = await reader.read(); !next.done; next = await reader.read())
    sendChunk(task, next.value)
  post({ type: 'end', task, after })
}

async function invoke(msg: Extract<ToWorker, { type: 'invoke' }>): Promise<void> {
  const ctrl = new AbortController()
  track(msg.task, ctrl)
  try {
    const loading = sandboxes.get(msg.fn)
    if (!loading) throw new Error(`function #${msg.fn} is not loaded in this worker`)
    const fn = await loading
    post({ type: 'started', task: msg.task })
    // waitUntil work keeps the task running here and on the main thread (its deadline, its slot).
    const after: Promise<void>[] = []
    const res = await fn.invoke(requestFromWire(msg.req), {
      deadline: msg.deadline,
      signal: ctrl.signal,
      requestId: msg.requestId,
      params: msg.params,
      log: forwardLog(msg.task),
      waitUntil: (work) => void after.push(work),
    })
    await sendResponse(msg.task, res, ctrl.signal, after.length > 0)
    if (after.length > 0) {
      await Promise.allSettled(after)
      post({ type: 'settled', task: msg.task })
    }
  } catch (e) {
    post({ type: 'failed', task: msg.task, error: errorToWire(e) })
  } finally {
    untrack(msg.task)
  }
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'load':
      return void load(msg)
    case 'invoke':
      return void invoke(msg)
    case 'abort':
      return tasks.get(msg.task)?.abort(new Error('the request was aborted'))
    case 'unload':
      return void unload(msg.fn)
  }
})
/** Loads and calls each warm-up function once, so compiling the runtime happens before traffic. */
async function warmUp(): Promise<string | undefined> {
  try {
    for (const spec of config.warmup) {
      await using fn = await loadInProcess(spec)
      const res = await fn.invoke(new Request('http://warmup/'), {
        deadline: Date.now() + spec.config.timeoutMs,
        signal: new AbortController().signal,
        requestId: 'warmup',
        params: {},
        log: { full: true, write: () => undefined },
      })
      await res.arrayBuffer()
    }
    return undefined
  } catch (e) {
    return describe(e)
  }
}

post({ type: 'ready', warmupError: await warmUp() })
