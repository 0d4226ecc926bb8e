import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { digestOffThread } from '../bytes.js'
import { BUNDLE_OPTIONS_VERSION, type Bundle } from './types.js'
import { bundleOffThread } from './thread.js'

interface Entry {
  key: string
  /** undefined: the file imports nothing and runs as written. */
  bundle: Bundle | undefined
}

/** Cached bundles, one per function file (the last one built), keyed by a hash of all inputs. */
const cache = new Map<string, Entry>()

/** Hash of the options, the entry's source and the bytes of every input; undefined if one is gone. */
async function keyOf(dir: string, file: string, source: Uint8Array, inputs: readonly string[]) {
  const hash = createHash('sha256')
    .update(`${BUNDLE_OPTIONS_VERSION}\0${dir}\0${file}\0`)
    .update(await digestOffThread(source))
  for (const input of inputs) {
    if (input === file) continue
    const bytes = await readFile(input).catch(() => undefined)
    if (!bytes) return undefined
    hash.update(`\0${input}\0${bytes.length}\0`).update(bytes)
  }
  return hash.digest('hex')
}

/** File times are coarse on some file systems: a write this close to the build may have been missed. */
const MTIME_SLACK_MS = 20

/** Whether an input changed while esbuild was reading it (then the result is not cached). */
async function changedSince(inputs: string[], startMs: number): Promise<boolean> {
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined)
    if (!info || info.mtimeMs >= startMs - MTIME_SLACK_MS) return true
  }
  return false
}

/**
 * The bundle of `file`, rebuilt only when one of its inputs changed (a file it imports, or its own
 * source). A new import changes the source, so the inputs of the last build cover every file that
 * could change the result, except a file added that now wins resolution (./lib.ts beside ./lib.js).
 */
export async function bundleCached(
  dir: string,
  file: string,
  source: Uint8Array,
): Promise<Bundle | undefined> {
  const last = cache.get(file)
  if (last) {
    const key = await keyOf(dir, file, source, last.bundle?.inputs ?? [])
    if (key === last.key) return last.bundle
  }
  const startMs = Date.now()
  const bundle = await bundleOffThread(dir, file, source)
  const inputs = bundle?.inputs ?? []
  const key = await keyOf(dir, file, source, inputs)
  if (key && !(await changedSince(inputs, startMs))) cache.set(file, { key, bundle })
  else cache.delete(file)
  return bundle
}

/** Forgets a deleted function's bundle. */
export function forgetBundle(file: string): void {
  cache.delete(file)
}
