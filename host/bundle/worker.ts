import { relative, sep } from 'node:path'
import { parentPort } from 'node:worker_threads'
import { bundleFile } from './bundle.js'
import { BundleError, type Bundle } from './types.js'
import { selfContained } from './self-contained.js'
import { traceStart } from '../observe/start-trace.js'

export interface BundleRequest {
  id: number
  dir: string
  file: string
  source: Uint8Array
}

/** A bundle as it crosses back: `entry` is left out when it is the source the caller sent. */
export type WireBundle = Omit<Bundle, 'entry'> & { entry?: string }

export type BundleReply =
  /** `bundle` undefined: the file imports nothing and runs as written. */
  | { id: number; bundle: WireBundle | undefined }
  | { id: number; error: string; bundleError: boolean }

async function bundleOf(req: BundleRequest): Promise<WireBundle | undefined> {
  let source: string
  try {
    source = new TextDecoder('utf-8', { fatal: true }).decode(req.source)
  } catch {
    throw new Error(`${relative(req.dir, req.file).split(sep).join('/')} is not UTF-8 text`)
  }
  if (selfContained(req.file, source)) return undefined
  const { entry, ...rest } = await bundleFile(req.dir, req.file, source)
  return entry === source ? rest : { ...rest, entry }
}

/**
 * The bundling thread: it decodes the source, looks for imports (a scan of every byte) and runs
 * esbuild, whose build runs in its own process but whose multi-megabyte answer (code, source map,
 * metafile) still takes the calling thread tens of milliseconds; here all of that is off the
 * thread that serves requests.
 */
traceStart('bundle thread loaded')
const port = parentPort
if (!port) throw new Error('host/bundle/worker.ts runs as a worker thread')
port.on('message', (req: BundleRequest) => {
  bundleOf(req).then(
    (bundle) => {
      const reply: BundleReply = { id: req.id, bundle }
      port.postMessage(reply, bundle ? [bundle.code.buffer as ArrayBuffer] : [])
    },
    (e: unknown) => {
      const reply: BundleReply = {
        id: req.id,
        error: (e as Error).message,
        bundleError: e instanceof BundleError,
      }
      port.postMessage(reply)
    },
  )
})
