/**
 * The thread that performs a component's outgoing HTTP requests. A component calls
 * wasi:http/outgoing-handler synchronously (Node 20 has no JSPI), so its thread blocks on
 * Atomics.wait while this one runs the host's fetch, under the same egress policy as guest
 * `fetch` (public addresses only unless the host allows more), and wakes it with the answer.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { resolveEgress, type EgressOptions } from '../egress.js'
import { createOutboundFetch, OutboundDenied } from '../outbound.js'
import type { FetchAnswer, FetchJob } from './fetch-sync.js'

const egress = resolveEgress((workerData as { egress?: EgressOptions }).egress)
const hostFetch = createOutboundFetch(egress.outbound)

async function answer(job: FetchJob): Promise<FetchAnswer> {
  try {
    const res = await hostFetch(
      new Request(job.url, {
        method: job.method,
        headers: job.headers,
        body:
          job.body && job.body.byteLength > 0 ? (job.body as Uint8Array<ArrayBuffer>) : undefined,
        redirect: 'manual',
      }),
      AbortSignal.timeout(job.timeoutMs),
    )
    return {
      id: job.id,
      status: res.status,
      headers: [...res.headers],
      body: new Uint8Array(await res.arrayBuffer()),
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    return { id: job.id, error: message, denied: e instanceof OutboundDenied }
  }
}

const port = (workerData as { port: MessagePort }).port
port.on('message', (job: FetchJob) => {
  void answer(job).then((result) => {
    port.postMessage(result)
    const flag = new Int32Array(job.signal)
    Atomics.store(flag, 0, 1)
    Atomics.notify(flag, 0)
  })
})
parentPort?.unref()
