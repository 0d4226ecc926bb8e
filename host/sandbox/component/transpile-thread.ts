/**
 * The thread that checks and transpiles components. jco-transpile's own tools are components
 * run on @bytecodealliance/preview2-shim, which must never load where guests are served, and a
 * transpile blocks its thread for up to seconds with a large heap: both stay here, in a thread
 * that ends when its one job is done.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { transpileBytes } from '@bytecodealliance/jco-transpile'
import { componentWit } from '@bytecodealliance/jco-transpile/wasm-tools'
import { TRANSPILE_OPTIONS, writeEntry } from './cache.js'
import { patchGenerated, type Patched } from './patch.js'
import type { ThreadJob, ThreadResult } from './transpile.js'
import { checkWorld, parseWorld } from './world.js'

async function run(job: ThreadJob): Promise<ThreadResult> {
  let wit: string
  try {
    wit = await componentWit(job.bytes)
  } catch (e) {
    return { ok: false, message: `not a valid component: ${describe(e)}` }
  }
  try {
    checkWorld(parseWorld(wit))
  } catch (e) {
    return { ok: false, message: describe(e) }
  }
  if (!job.entryDir) return { ok: true }
  const result = await transpileBytes(job.bytes, { ...TRANSPILE_OPTIONS })
  let patched: Patched | undefined
  const cores = new Map<string, Uint8Array>()
  for (const [name, content] of Object.entries(result.files)) {
    if (name === 'component.js') patched = patchGenerated(Buffer.from(content).toString('utf8'))
    else if (/^[\w.-]+\.wasm$/.test(name)) cores.set(name, content)
  }
  if (patched === undefined) return { ok: false, message: 'jco-transpile produced no module' }
  return { ok: true, transpiled: await writeEntry(job.entryDir, patched, cores) }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

const port = parentPort
if (!port) throw new Error('transpile-thread runs only as a worker thread')
port.postMessage(
  await run(workerData as ThreadJob).catch((e: unknown): ThreadResult => ({
    ok: false,
    message: `transpiling failed: ${describe(e)}`,
  })),
)
