import { parentPort } from 'node:worker_threads'
import { BundleError, bundleFile, type Bundle } from './bundle.js'

export interface BundleRequest {
  id: number
  dir: string
  file: string
  source: string
}

export type BundleReply =
  /** `entry` is left out when it is the source the caller sent (no types to strip). */
  | { id: number; bundle: Omit<Bundle, 'entry'> & { entry?: string } }
  | { id: number; error: string; bundleError: boolean }

/**
 * The bundling thread: esbuild builds in its own process, but decoding a multi-megabyte answer
 * (code, source map, metafile) still takes the calling thread tens of milliseconds; here that
 * is off the thread that serves requests.
 */
const port = parentPort
if (!port) throw new Error('host/bundle/worker.ts runs as a worker thread')
port.on('message', (req: BundleRequest) => {
  bundleFile(req.dir, req.file, req.source).then(
    ({ entry, ...rest }) => {
      const bundle = entry === req.source ? rest : { ...rest, entry }
      const reply: BundleReply = { id: req.id, bundle }
      port.postMessage(reply, [rest.code.buffer as ArrayBuffer])
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
