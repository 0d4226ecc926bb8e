import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { BUNDLE_OPTIONS_VERSION } from './types.js'
import { phaseMark } from '../observe/phase-marks.js'

/*
 * The bundling thread's memory of each function file's last build: its inputs and a hash of all
 * of them. The caller keeps the bundle itself and names it by its build number, so a file whose
 * inputs are unchanged is answered without a build and without sending the bundle back; reading
 * and hashing the inputs happens here, off the thread that serves requests.
 */

interface Built {
  build: number
  inputs: string[]
  /** A split build: whether its vendor bundle's files are unchanged (they are not hashed here). */
  vendorFresh?: () => Promise<boolean>
  /** Hash of every input as built; undefined when one changed while esbuild read it. */
  key: Promise<string | undefined>
}

const built = new Map<string, Built>()
let lastBuild = 0

/** Hash of the options, the entry's source and the bytes of every input; undefined if one is gone. */
async function keyOf(dir: string, file: string, source: Uint8Array, inputs: readonly string[]) {
  const hash = createHash('sha256')
    .update(`${BUNDLE_OPTIONS_VERSION}\0${dir}\0${file}\0`)
    .update(source)
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
 * Whether build `have` of `file` still holds for `source`: it is the last one made here and every
 * input has the bytes it was built from. A new import changes the source, so the inputs of the
 * last build cover every file that could change the result, except a file added that now wins
 * resolution (./lib.ts beside ./lib.js).
 */
export async function stillHolds(
  dir: string,
  file: string,
  source: Uint8Array,
  have: number | undefined,
): Promise<boolean> {
  const last = built.get(file)
  if (!last || have === undefined || last.build !== have) return false
  const key = await last.key
  if (key === undefined || key !== (await keyOf(dir, file, source, last.inputs))) return false
  return last.vendorFresh ? last.vendorFresh() : true
}

/**
 * Records a build of `file` begun at `startMs` and returns its number. Its inputs are hashed after
 * the caller has its answer: the hash is only needed when the file is next looked at.
 */
export function recordBuild(
  dir: string,
  file: string,
  source: Uint8Array,
  inputs: string[],
  startMs: number,
  vendorFresh?: () => Promise<boolean>,
): number {
  const build = ++lastBuild
  const key = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
    phaseMark('bt:hash-start')
    const k = await keyOf(dir, file, source, inputs)
    phaseMark('bt:hash-done')
    return k && !(await changedSince(inputs, startMs)) ? k : undefined
  })
  built.set(file, { build, inputs, key, vendorFresh })
  return build
}

/** Forgets a deleted function's build. */
export function forgetBuild(file: string): void {
  built.delete(file)
}
