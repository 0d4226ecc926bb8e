import { createHash } from 'node:crypto'
import { relative, sep } from 'node:path'
import { parentPort } from 'node:worker_threads'
import { transform } from 'esbuild'
import { bundleFile } from './bundle.js'
import { forgetBuild, recordBuild, stillHolds } from './cache.js'
import { selfContained } from './self-contained.js'
import { bundleSplit } from './split.js'
import { BundleError, type Bundle, type VendorBundle } from './types.js'
import { phaseMark } from '../observe/phase-marks.js'
import { traceStart } from '../observe/start-trace.js'

export interface BundleRequest {
  id: number
  dir: string
  file: string
  source: Uint8Array
  /** The build of this file the caller holds, if any: answered `unchanged` while it still holds. */
  have?: number
}

/** A deleted function (`forget`), or a host starting to watch its folder (`warm`). */
export type BundleNotice = { forget: string } | { warm: true }

/**
 * A bundle as it crosses back: `entry` is left out when it is the source the caller sent.
 * `digest`: SHA-256 of the code and source map, hashed here so the caller need not.
 */
export type WireBundle = Omit<Bundle, 'entry' | 'vendor'> & {
  entry?: string
  digest: string
  /** The vendor bundle's code and map cross once; after that its digest names it. */
  vendor?: WireVendor
}

export type WireVendor = { digest: string } & Partial<Omit<VendorBundle, 'digest'>>

export type BundleReply =
  /** `bundle` undefined: the file imports nothing and runs as written. */
  | { id: number; build: number; bundle: WireBundle | undefined }
  | { id: number; unchanged: true }
  | { id: number; error: string; bundleError: boolean }

/** A bundle as it crosses, and what the bundle cache records of its build. */
interface Built {
  wire: WireBundle
  /** The inputs whose bytes the cache hashes: the vendor bundle's files are checked apart. */
  inputs: string[]
  vendorFresh?: () => Promise<boolean>
}

async function bundleOf(req: BundleRequest): Promise<Built | undefined> {
  let source: string
  try {
    source = new TextDecoder('utf-8', { fatal: true }).decode(req.source)
  } catch {
    throw new Error(`${relative(req.dir, req.file).split(sep).join('/')} is not UTF-8 text`)
  }
  if (selfContained(req.file, source)) return undefined
  phaseMark('bt:esbuild-start')
  const split = SPLIT ? await bundleSplit(req.dir, req.file, source) : undefined
  const bundle = split?.bundle ?? (await bundleFile(req.dir, req.file, source))
  const { entry, vendor, ...rest } = bundle
  phaseMark('bt:esbuild-done')
  const hash = createHash('sha256').update(rest.code).update(rest.map)
  const digest = hash.update(vendor?.digest ?? '').digest('hex')
  const wire: WireBundle = { ...rest, digest, vendor: vendor && wireVendor(vendor) }
  return {
    wire: entry === source ? wire : { ...wire, entry },
    inputs: split?.ownInputs ?? bundle.inputs,
    vendorFresh: split?.vendorFresh,
  }
}

/**
 * Whether functions are bundled apart from their packages (split.ts); FNHOST_VENDOR_SPLIT=0
 * bundles each whole, as before (for comparing the two).
 */
const SPLIT = process.env.FNHOST_VENDOR_SPLIT !== '0'

/** Vendor bundles whose code the main thread has (it keeps every one it was sent). */
const sent = new Set<string>()

function wireVendor(vendor: VendorBundle): WireVendor {
  if (sent.has(vendor.digest)) return { digest: vendor.digest }
  sent.add(vendor.digest)
  return { ...vendor }
}

async function answer(req: BundleRequest): Promise<BundleReply> {
  if (await stillHolds(req.dir, req.file, req.source, req.have))
    return { id: req.id, unchanged: true }
  const startMs = Date.now()
  const built = await bundleOf(req)
  const inputs = built?.inputs ?? []
  const build = recordBuild(req.dir, req.file, req.source, inputs, startMs, built?.vendorFresh)
  return { id: req.id, build, bundle: built?.wire }
}

/**
 * The bundling thread: it decodes the source, looks for imports (a scan of every byte), runs
 * esbuild, whose build runs in its own process but whose multi-megabyte answer (code, source map,
 * metafile) still takes the calling thread tens of milliseconds, and reads and hashes every input
 * for the cache: all of that off the thread that serves requests.
 */
traceStart('bundle thread loaded')
const port = parentPort
if (!port) throw new Error('host/bundle/worker.ts runs as a worker thread')
port.on('message', (msg: BundleRequest | BundleNotice) => {
  if ('forget' in msg) return forgetBuild(msg.forget)
  // Starts esbuild's service process now, so the first function written is not the one to wait.
  if ('warm' in msg) return void transform('').catch(() => undefined)
  phaseMark('bt:recv')
  answer(msg).then(
    (reply) => {
      phaseMark('bt:post')
      const bundle = 'bundle' in reply ? reply.bundle : undefined
      port.postMessage(reply, bundle ? [bundle.code.buffer as ArrayBuffer] : [])
    },
    (e: unknown) => {
      const reply: BundleReply = {
        id: msg.id,
        error: (e as Error).message,
        bundleError: e instanceof BundleError,
      }
      port.postMessage(reply)
    },
  )
})
