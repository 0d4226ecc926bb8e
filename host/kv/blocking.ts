import {
  MessageChannel,
  receiveMessageOnPort,
  type MessagePort,
  type Worker,
} from 'node:worker_threads'
import { startThread } from '../threads.js'
import { KvError, isKvErrorCode } from './errors.js'
import type { KvFailure } from './ops.js'
import type { KvSettings } from './options.js'
import type { RawSyncCalls } from './store.js'
import type { KvListOptions, KvListPage, KvPutOptions } from './types.js'

export interface BlockingRequest {
  id: number
  op: 'get' | 'put' | 'delete' | 'list' | 'increment'
  ns: string
  key: string
  value?: Uint8Array
  ttl?: number
  by?: number
  list?: KvListOptions
}

export interface BlockingSetup {
  settings: KvSettings
  flag: SharedArrayBuffer
}

/** Longest a guest thread blocks on one call before it fails with KV_UNAVAILABLE. */
const CALL_TIMEOUT_MS = 10_000

function startWorker(setup: BlockingSetup, port: MessagePort): Worker {
  const options = { workerData: { ...setup, port }, transferList: [port], execArgv: [] }
  return startThread('kv/blocking-worker', options)
}

/**
 * A synchronous face on an asynchronous backend (Redis) for a caller that cannot await: a WAGI
 * guest's import call. A helper thread owns the connection; the caller posts a request, blocks
 * in Atomics.wait on a shared flag, and reads the answer off its port with receiveMessageOnPort
 * once the helper has posted it and raised the flag.
 */
export class BlockingKv {
  readonly #flag = new Int32Array(new SharedArrayBuffer(4))
  readonly #port
  readonly #worker: Worker
  #seq = 0

  constructor(settings: KvSettings) {
    const { port1, port2 } = new MessageChannel()
    this.#port = port1
    this.#worker = startWorker({ settings, flag: this.#flag.buffer as SharedArrayBuffer }, port2)
    // Neither keeps the thread alive: it ends when its own work does.
    this.#worker.unref()
    port1.unref()
  }

  #call<T>(req: Omit<BlockingRequest, 'id'>): T {
    const id = ++this.#seq
    // The flag counts answers: waiting on the count seen before posting cannot miss a wake-up.
    let seen = Atomics.load(this.#flag, 0)
    this.#port.postMessage({ ...req, id })
    const until = Date.now() + CALL_TIMEOUT_MS
    for (;;) {
      for (;;) {
        const msg = receiveMessageOnPort(this.#port)?.message as
          { id: number; value?: unknown; error?: KvFailure } | undefined
        if (!msg) break
        // An answer to an earlier call that timed out: drop it, look for ours.
        if (msg.id !== id) continue
        if (msg.error)
          throw new KvError(
            isKvErrorCode(msg.error.code) ? msg.error.code : 'KV_UNAVAILABLE',
            msg.error.message,
          )
        return msg.value as T
      }
      const left = until - Date.now()
      if (left <= 0)
        throw new KvError(
          'KV_UNAVAILABLE',
          `the key-value store did not answer within ${CALL_TIMEOUT_MS} ms`,
        )
      Atomics.wait(this.#flag, 0, seen, left)
      seen = Atomics.load(this.#flag, 0)
    }
  }

  /** One namespace's calls, unchecked: pass them through KvNamespace.checked. */
  namespace(ns: string): RawSyncCalls {
    return {
      get: (key: string) => this.#call<Uint8Array | null>({ op: 'get', ns, key }),
      put: (key: string, value: Uint8Array, options?: KvPutOptions) =>
        this.#call<void>({ op: 'put', ns, key, value, ttl: options?.ttl }),
      delete: (key: string) => this.#call<boolean>({ op: 'delete', ns, key }),
      list: (options?: KvListOptions) =>
        this.#call<KvListPage>({ op: 'list', ns, key: '', list: options }),
      increment: (key: string, by: number) => this.#call<number>({ op: 'increment', ns, key, by }),
    }
  }
}

const perThread = new Map<string, BlockingKv>()

/** This thread's blocking bridge for these settings, started on first use. */
export function threadBlockingKv(settings: KvSettings): BlockingKv {
  const id = JSON.stringify(settings)
  let kv = perThread.get(id)
  if (!kv) perThread.set(id, (kv = new BlockingKv(settings)))
  return kv
}
