import { Worker } from 'node:worker_threads'
import { BundleError, type Bundle } from './bundle.js'
import type { BundleReply, BundleRequest } from './worker.js'

const entry = new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

function spawn(): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { execArgv: [] })
  // Running from source (as host/pool/worker-handle.ts does): the worker registers tsx itself.
  const tsx = import.meta.resolve('tsx/esm/api')
  const boot = `import { register } from ${JSON.stringify(tsx)}
register()
await import(${JSON.stringify(entry.href)})`
  return new Worker(new URL('data:text/javascript,' + encodeURIComponent(boot)), { execArgv: [] })
}

interface Pending {
  source: string
  resolve(bundle: Bundle): void
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
    if ('bundle' in reply) p.resolve({ ...reply.bundle, entry: reply.bundle.entry ?? p.source })
    else p.reject(reply.bundleError ? new BundleError(reply.error) : new Error(reply.error))
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
 * Bundles on the bundling thread. The thread is held (ref'd) only while a bundle is pending, so
 * an idle one never keeps the process alive.
 */
export function bundleOffThread(dir: string, file: string, source: string): Promise<Bundle> {
  const w = thread()
  const id = nextId++
  return new Promise<Bundle>((resolve, reject) => {
    pending.set(id, { source, resolve, reject })
    w.ref()
    const req: BundleRequest = { id, dir, file, source }
    w.postMessage(req)
  })
}
