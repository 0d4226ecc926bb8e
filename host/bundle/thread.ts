import type { Worker } from 'node:worker_threads'
import { startThread } from '../threads.js'
import { BundleError, type Bundle } from './types.js'
import type { BundleReply, BundleRequest } from './worker.js'

function spawn(): Worker {
  return startThread('bundle/worker', { execArgv: [] })
}

interface Pending {
  source: Uint8Array
  resolve(bundle: Bundle | undefined): void
  reject(e: Error): void
}

let worker: Worker | undefined
const pending = new Map<number, Pending>()
let nextId = 1

function failAll(reason: string): void {
  for (const p of pending.values()) p.reject(new Error(`the bundling thread stopped: ${reason}`))
  pending.clear()
}

function thread(): Worker {
  if (worker) return worker
  const w = spawn()
  w.on('message', (reply: BundleReply) => {
    const p = pending.get(reply.id)
    if (!p) return
    pending.delete(reply.id)
    if (pending.size === 0) w.unref()
    if (!('bundle' in reply))
      p.reject(reply.bundleError ? new BundleError(reply.error) : new Error(reply.error))
    else if (!reply.bundle) p.resolve(undefined)
    else {
      // Left out of the reply when it is the source itself: decoded here, natively.
      const entry = reply.bundle.entry ?? new TextDecoder().decode(p.source)
      p.resolve({ ...reply.bundle, entry })
    }
  })
  w.on('error', (e) => failAll(e.message))
  w.on('exit', (code) => {
    if (worker === w) worker = undefined
    failAll(`exit code ${code}`)
  })
  w.unref()
  worker = w
  return w
}

/**
 * Bundles on the bundling thread (undefined: the file imports nothing, no bundle needed). The
 * thread is held (ref'd) only while a bundle is pending, so an idle one never keeps the process
 * alive. `source` is copied to the thread, never moved: the caller keeps serving it.
 */
export function bundleOffThread(
  dir: string,
  file: string,
  source: Uint8Array,
): Promise<Bundle | undefined> {
  const w = thread()
  const id = nextId++
  return new Promise<Bundle | undefined>((resolve, reject) => {
    pending.set(id, { source, resolve, reject })
    w.ref()
    const req: BundleRequest = { id, dir, file, source }
    w.postMessage(req)
  })
}
