import type { Worker } from 'node:worker_threads'
import { startThread } from '../threads.js'
import { BundleError, type Bundle, type VendorBundle } from './types.js'
import type { BundleNotice, BundleReply, BundleRequest, WireVendor } from './worker.js'

function spawn(): Worker {
  return startThread('bundle/worker', { execArgv: [] })
}

/** A bundle and the SHA-256 of its code and source map (hex). */
export type HashedBundle = Bundle & { digest: string }

/** The last build of a file, named by the thread's build number (undefined: none was needed). */
interface Held {
  build: number
  bundle: HashedBundle | undefined
}

interface Pending {
  file: string
  source: Uint8Array
  held: Held | undefined
  resolve(bundle: HashedBundle | undefined): void
  reject(e: Error): void
}

let worker: Worker | undefined
const pending = new Map<number, Pending>()
const held = new Map<string, Held>()
let nextId = 1

function failAll(reason: string): void {
  for (const p of pending.values()) p.reject(new Error(`the bundling thread stopped: ${reason}`))
  pending.clear()
}

/** Vendor bundles by digest: the bundling thread sends each one's code once. */
const vendors = new Map<string, VendorBundle>()

function vendorOf(wire: WireVendor): VendorBundle {
  const { digest, code, map } = wire
  if (code && map !== undefined) vendors.set(digest, { digest, code, map })
  const known = vendors.get(digest)
  if (!known) throw new Error(`the bundling thread named vendor bundle ${digest}, never sent`)
  return known
}

function settle(p: Pending, reply: BundleReply): void {
  if ('error' in reply)
    return p.reject(reply.bundleError ? new BundleError(reply.error) : new Error(reply.error))
  if ('unchanged' in reply) return p.resolve(p.held?.bundle)
  const wire = reply.bundle
  // Left out of the reply when it is the source itself: decoded here, natively.
  const bundle = wire && {
    ...wire,
    entry: wire.entry ?? new TextDecoder().decode(p.source),
    vendor: wire.vendor && vendorOf(wire.vendor),
  }
  held.set(p.file, { build: reply.build, bundle })
  p.resolve(bundle)
}

function thread(): Worker {
  if (worker) return worker
  const w = spawn()
  w.on('message', (reply: BundleReply) => {
    const p = pending.get(reply.id)
    if (!p) return
    pending.delete(reply.id)
    if (pending.size === 0) w.unref()
    settle(p, reply)
  })
  w.on('error', (e) => failAll(e.message))
  w.on('exit', (code) => {
    if (worker === w) worker = undefined
    // The thread's memory of past builds went with it.
    held.clear()
    vendors.clear()
    failAll(`exit code ${code}`)
  })
  w.unref()
  worker = w
  return w
}

/**
 * Bundles on the bundling thread (undefined: the file imports nothing, no bundle needed). The
 * thread is held (ref'd) only while a bundle is pending, so an idle one never keeps the process
 * alive. `source` is copied to the thread, never moved: the caller keeps serving it. A file whose
 * inputs are unchanged since its last build gets that build again (the same object).
 */
export function bundleOffThread(
  dir: string,
  file: string,
  source: Uint8Array,
): Promise<HashedBundle | undefined> {
  const w = thread()
  const id = nextId++
  const last = held.get(file)
  return new Promise<HashedBundle | undefined>((resolve, reject) => {
    pending.set(id, { file, source, held: last, resolve, reject })
    w.ref()
    const req: BundleRequest = { id, dir, file, source, have: last?.build }
    w.postMessage(req)
  })
}

/** Starts the bundling thread and esbuild's service ahead of the first function to bundle. */
export function warmBundler(): void {
  const notice: BundleNotice = { warm: true }
  thread().postMessage(notice)
}

/** Forgets a deleted function's bundle (here and on the thread). */
export function forgetBundle(file: string): void {
  held.delete(file)
  const notice: BundleNotice = { forget: file }
  worker?.postMessage(notice)
}
