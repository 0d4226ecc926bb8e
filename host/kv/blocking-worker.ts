import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { openKvStore } from './backends.js'
import { failure } from './ops.js'
import type { BlockingRequest, BlockingSetup } from './blocking.js'

/* The thread behind BlockingKv: runs each request on the async backend, posts the answer on the
   port, then wakes the blocked caller through the shared flag. */

const { settings, port, flag } = workerData as BlockingSetup & { port: MessagePort }
const store = openKvStore(settings)
const wake = new Int32Array(flag)

async function answer(req: BlockingRequest): Promise<unknown> {
  const ns = store.namespace(req.ns)
  switch (req.op) {
    case 'get':
      return ns.get(req.key)
    case 'put':
      return ns.put(req.key, req.value ?? new Uint8Array(), { ttl: req.ttl })
    case 'delete':
      return ns.delete(req.key)
    case 'list':
      return ns.list(req.list)
    case 'increment':
      return ns.increment(req.key, req.by ?? 1)
  }
}

port.on('message', (req: BlockingRequest) => {
  void answer(req)
    .then(
      (value) => port.postMessage({ id: req.id, value }),
      (e: unknown) => port.postMessage({ id: req.id, error: failure(e) }),
    )
    .finally(() => {
      Atomics.add(wake, 0, 1)
      Atomics.notify(wake, 0)
    })
})
parentPort?.postMessage('ready')
