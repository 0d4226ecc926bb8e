import {
  MessageChannel,
  receiveMessageOnPort,
  type MessagePort,
  type Worker,
} from 'node:worker_threads'
import { startThread } from '../../threads.js'
import type { EgressOptions } from '../egress.js'

export interface FetchJob {
  id: number
  url: string
  method: string
  headers: [string, string][]
  body: Uint8Array | null
  timeoutMs: number
  /** An Int32Array's buffer: set to 1 and notified when the answer is on the port. */
  signal: SharedArrayBuffer
}

export type FetchAnswer = { id: number } & (
  | { status: number; headers: [string, string][]; body: Uint8Array }
  | { error: string; denied: boolean }
)

/**
 * Outgoing HTTP for components, synchronous to the caller: the request goes to a helper thread
 * (started on first use, one per worker) and this thread sleeps on Atomics.wait until the answer
 * is posted back, so the component's call returns with it.
 */
export class SyncFetcher {
  private port?: MessagePort
  private worker?: Worker
  private nextId = 1

  constructor(private readonly egress: EgressOptions | undefined) {}

  private start(): MessagePort {
    if (this.port) return this.port
    const { port1, port2 } = new MessageChannel()
    const workerData = { egress: this.egress, port: port2 }
    const options = { workerData, transferList: [port2], execArgv: [] }
    this.worker = startThread('sandbox/component/fetch-thread', options)
    this.worker.unref()
    port1.unref()
    this.port = port1
    return port1
  }

  /** Blocks this thread until the answer comes or `waitMs` passes. */
  fetch(job: Omit<FetchJob, 'signal' | 'id'>, waitMs: number): FetchAnswer {
    const port = this.start()
    const id = this.nextId++
    const signal = new SharedArrayBuffer(4)
    port.postMessage({ ...job, id, signal } satisfies FetchJob)
    Atomics.wait(new Int32Array(signal), 0, 0, Math.max(0, waitMs))
    // Answers to earlier calls that gave up waiting arrive late: skip them.
    for (let got = receiveMessageOnPort(port); got; got = receiveMessageOnPort(port)) {
      const answer = got.message as FetchAnswer
      if (answer.id === id) return answer
    }
    return { id, error: `no answer within ${Math.round(waitMs)} ms`, denied: false }
  }

  dispose(): void {
    void this.worker?.terminate()
    this.port?.close()
    this.worker = this.port = undefined
  }
}
