import { extname, relative, sep } from 'node:path'
import { parentPort } from 'node:worker_threads'
import { codeOnly } from '../sandbox/quickjs/source.js'
import { BundleError, bundleFile, type Bundle } from './bundle.js'

export interface BundleRequest {
  id: number
  dir: string
  file: string
  source: Uint8Array
}

export type BundleReply =
  /** `bundle` undefined: the file imports nothing and runs as written. */
  { id: number; bundle: Bundle | undefined } | { id: number; error: string; bundleError: boolean }

const JS = new Set(['.js', '.mjs', '.cjs'])

/**
 * A JavaScript file that imports nothing is its own bundle: it runs as written (and keeps its
 * own positions), without a trip through esbuild, which would cost every one of a thousand
 * small functions a few milliseconds at start-up.
 */
function selfContained(file: string, source: string): boolean {
  return JS.has(extname(file)) && !/\b(?:import|require)\b/.test(codeOnly(source))
}

async function bundleOf(req: BundleRequest): Promise<Bundle | undefined> {
  let source: string
  try {
    source = new TextDecoder('utf-8', { fatal: true }).decode(req.source)
  } catch {
    throw new Error(`${relative(req.dir, req.file).split(sep).join('/')} is not UTF-8 text`)
  }
  return selfContained(req.file, source) ? undefined : bundleFile(req.dir, req.file, source)
}

/**
 * The bundling thread: it decodes the source, looks for imports (a scan of every byte) and runs
 * esbuild, whose build runs in its own process but whose multi-megabyte answer (code, source map,
 * metafile) still takes the calling thread tens of milliseconds; here all of that is off the
 * thread that serves requests.
 */
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
