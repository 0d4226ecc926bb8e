import { createHash } from 'node:crypto'
import { inBinary, readAssetView } from '../../assets.js'
import { CONFIG_DEFAULTS } from '../../config-defaults.js'
import { traceStart } from '../../observe/start-trace.js'
import { knowHeapProbe, probeHeap, type HeapProbe } from './heap-size.js'
import { preludeSource } from './prelude.js'
import type { Engine } from './spare.js'
import {
  adoptEngine,
  enginePointers,
  engineToCopy,
  pointerOf,
  randomStateOffset,
  reseed,
  type EnginePointers,
} from './template.js'
import {
  acquireQuickJSInstance,
  cloneQuickJSInstance,
  MIN_MEMORY_MB,
  type PageRuns,
} from './wasm.js'

/*
 * The single binary's engines start from an image made at build time (scripts/build-binary.ts):
 * the memory of an engine that made its runtime and context and ran the prelude (ahead of any
 * function, template.ts runPreludeAhead), and where they live in it. Making that engine is most
 * of a starting worker's first QuickJS work (the prelude is ~95 KB of JS for QuickJS to parse,
 * and its run defines every Web API class), and the first run of that much of QuickJS's
 * wasm makes V8 compile its hot functions again, optimized, on background threads (~100-200 ms of
 * CPU on a 2-core machine, while the host starts). A copy of the image is a new engine instance
 * whose memory starts as the image, as template.ts copies an engine for a package set: each
 * copy is its own engine, with its own Math.random state, that has run none of a function's code.
 */

/** The image's asset key in the binary. */
export const ENGINE_IMAGE = 'quickjs-engine.bin'

interface ImageHeader extends EnginePointers {
  /** sha256 of the prelude it compiled: an image of another prelude is refused. */
  preludeDigest: string
  /** The memory's size and the runs of pages copies take from it (the others are zero). */
  memoryBytes: number
  runs: PageRuns
  /** Where the prelude run ahead keeps its host object and its internals (RanPrelude). */
  host: number
  internals: number
  /** Where a context keeps Math.random's state (template.ts findRandomState). */
  randomState: number
  /** The allocator's heap-end word (heap-size.ts), found on a fresh instance at build time. */
  heap?: HeapProbe
}

export interface EngineImage extends ImageHeader {
  /** The image's memory: its runs hold the engine's bytes, the rest is zero. */
  bytes: Uint8Array
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * Makes the image from this install's engine and prelude: `[header length, u32 LE][header JSON]
 * [the runs' bytes, in order]`. Its engine is made exactly as a worker makes its first spare.
 */
export async function makeEngineImage(memoryMb = CONFIG_DEFAULTS.memoryMb): Promise<Uint8Array> {
  const randomState = await randomStateOffset()
  if (randomState === undefined)
    throw new Error('QuickJS: no Math.random state found in a context, so no copy can be reseeded')
  const heap = probeHeap(await acquireQuickJSInstance(MIN_MEMORY_MB))
  const made = await engineToCopy(memoryMb)
  const { instance, ran } = made.engine
  if (!ran) throw new Error('QuickJS: the prelude does not compile, or fails to run')
  const runs = made.runs()
  const header: ImageHeader = {
    preludeDigest: digest(preludeSource()),
    memoryBytes: instance.memory.buffer.byteLength,
    runs,
    ...enginePointers(made.engine),
    host: pointerOf(ran.host),
    internals: pointerOf(ran.internals),
    randomState,
    heap,
  }
  const json = Buffer.from(JSON.stringify(header))
  const length = Buffer.alloc(4)
  length.writeUInt32LE(json.byteLength)
  const memory = Buffer.from(instance.memory.buffer)
  return Buffer.concat([length, json, ...runs.map(([start, end]) => memory.subarray(start, end))])
}

/** The image in `bytes`, unless it was made from another prelude (or is not an image). */
export function readEngineImage(bytes: Uint8Array): EngineImage | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let header: ImageHeader
  try {
    const length = buffer.readUInt32LE(0)
    header = JSON.parse(buffer.subarray(4, 4 + length).toString('utf8')) as ImageHeader
    if (header.preludeDigest !== digest(preludeSource())) return undefined
    // Laid out at the runs' addresses: a copy then reads its pages as from a template's memory.
    const image = new Uint8Array(header.memoryBytes)
    let at = 4 + length
    for (const [start, end] of header.runs) {
      image.set(buffer.subarray(at, at + end - start), start)
      at += end - start
    }
    if (at !== buffer.byteLength) return undefined
    return { ...header, bytes: image }
  } catch {
    return undefined
  }
}

/** null: this thread has looked, and has none. */
let current: EngineImage | null | undefined

/**
 * The image this thread's new engines start from: set by setEngineImage, else in the binary its
 * embedded one (read on first use), else none.
 */
function engineImage(): EngineImage | undefined {
  if (current === undefined) {
    current = (inBinary && readEngineImage(readAssetView(ENGINE_IMAGE))) || null
    if (current?.heap) knowHeapProbe(current.heap)
  }
  return current ?? undefined
}

/** Sets (or, with undefined, removes) the image this thread's new engines start from. */
export function setEngineImage(image: EngineImage | undefined): void {
  current = image ?? null
  if (image?.heap) knowHeapProbe(image.heap)
}

/**
 * A new engine copied from the image, its prelude run; undefined without an image, or when
 * the image does not fit in `memoryMb` (the caller then makes one itself).
 */
export async function engineFromImage(memoryMb: number): Promise<Engine | undefined> {
  const image = engineImage()
  if (!image || image.memoryBytes > memoryMb * 1024 * 1024) return undefined
  const instance = await cloneQuickJSInstance(memoryMb, image.bytes, image.runs)
  const { runtime, context, handle } = adoptEngine(instance.module, image)
  reseed(instance.memory, image.context + image.randomState)
  traceStart('engine copied from the image')
  const ran = { host: handle(image.host), internals: handle(image.internals) }
  return { instance, runtime, context, ran }
}
