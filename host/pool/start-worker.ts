import type { Worker, WorkerOptions } from 'node:worker_threads'
import { runnableModule, startThread } from '../threads.js'
import { newRunSlotBuffer } from './preempt/run-slot.js'
import type { WorkerConfig } from './protocol.js'
import { traceStart } from '../observe/start-trace.js'

/** A pool worker thread and its run slot (host/pool/preempt/run-slot.ts). */
export interface StartedWorker {
  worker: Worker
  runSlot: SharedArrayBuffer
}

function spawn(config: WorkerConfig, heapMb: number): StartedWorker {
  const runSlot = newRunSlotBuffer()
  // A test's own driver module is TypeScript from outside host/: bundled to run in the worker, or
  // (when it imports host/ at run time) the worker runs under tsx.
  const modules = config.drivers.modules?.map(runnableModule)
  const tsx = modules?.includes(undefined) ?? false
  const options: WorkerOptions = {
    workerData: tsx
      ? { ...config, runSlot }
      : { ...config, drivers: { ...config.drivers, modules }, runSlot },
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
    execArgv: [],
  }
  traceStart(config.warmup ? 'pool worker spawned' : 'scanner spawned')
  return { worker: startThread('pool/worker', options, tsx), runSlot }
}

interface Early extends StartedWorker {
  key: string
  /** What the thread sent before a pool took it, handed on in order when one does. */
  messages: unknown[]
  gone: boolean
  listeners: { message(m: unknown): void; gone(): void }
}

/**
 * The workers started early and not taken yet, on the global object: the single binary starts
 * `fnhost serve`'s first worker from a bundle of its own, before the CLI's bundle (with its own
 * copy of this module) has loaded (host/code-cache.ts).
 */
const EARLY = Symbol.for('fnhost.early-workers')
const shared = ((globalThis as { [EARLY]?: { started: boolean; workers: Early[] } })[EARLY] ??= {
  started: false,
  workers: [],
})
const early = shared.workers

/** Whether this process has started its early workers already. */
export function earlyStarted(): boolean {
  return shared.started
}

const keyOf = (config: WorkerConfig, heapMb: number) => JSON.stringify([config, heapMb])

/**
 * Starts a pool worker thread ahead of its pool: `fnhost serve` starts its first worker and its
 * scanner this way before the rest of the host has loaded, so the thread boots (its code, its
 * engine) while the main thread loads modules and reads the config. A pool whose worker has the
 * same config and heap takes it over (startWorker); one that differs (an fnhost.json egress
 * rule, say) starts its own, and dropEarlyWorkers ends the unused ones. Until taken it does not
 * keep the process alive.
 */
export function startEarlyWorker(config: WorkerConfig, heapMb: number): void {
  shared.started = true
  const started = spawn(config, heapMb)
  const entry: Early = {
    ...started,
    key: keyOf(config, heapMb),
    messages: [],
    gone: false,
    listeners: {
      message: (m) => entry.messages.push(m),
      gone: () => (entry.gone = true),
    },
  }
  started.worker
    .on('message', entry.listeners.message)
    .on('error', entry.listeners.gone)
    .on('exit', entry.listeners.gone)
  started.worker.unref()
  early.push(entry)
}

/** Ends the early workers no pool has taken. */
export function dropEarlyWorkers(): void {
  for (const e of early.splice(0)) void e.worker.terminate()
}

function takeEarly(config: WorkerConfig, heapMb: number): StartedWorker | undefined {
  const key = keyOf(config, heapMb)
  const i = early.findIndex((e) => !e.gone && e.key === key)
  if (i < 0) return undefined
  const [e] = early.splice(i, 1) as [Early]
  e.worker
    .off('message', e.listeners.message)
    .off('error', e.listeners.gone)
    .off('exit', e.listeners.gone)
  e.worker.ref()
  // The taker attaches its listeners as soon as this returns; messages arrive as later tasks.
  queueMicrotask(() => {
    for (const m of e.messages) e.worker.emit('message', m)
  })
  return { worker: e.worker, runSlot: e.runSlot }
}

/**
 * Starts one pool worker thread (host/threads.ts finds its entry wherever this host runs), or
 * takes over one started early with the same config.
 */
export function startWorker(config: WorkerConfig, heapMb: number): StartedWorker {
  return takeEarly(config, heapMb) ?? spawn(config, heapMb)
}
