import type { QuickJSWASMModule } from 'quickjs-emscripten-core'
import {
  acquireQuickJSInstance,
  MIN_MEMORY_MB,
  writtenPages,
  WASM_PAGE,
  type QuickJSInstance,
} from './wasm.js'

/*
 * How much of an engine's memory is really in use. A QuickJS engine's WebAssembly.Memory starts
 * at 16 MiB, but a trivial function writes well under 1 MiB of it and the pages it never writes
 * cost nothing: charging the memory's size would count 16 MiB per function. What the engine
 * uses is its static data, the top of its stack and its heap, which the allocator grows upward
 * from the heap's base; the allocator keeps the address of the heap's end (its top chunk) in a
 * word of the engine's static data. That word is found once per thread on a scratch instance, by
 * allocating a large block and looking for the one word that moved past it.
 */

/** The heap-end word moves by the block's size plus at most this (the allocator's overhead). */
const SLACK = 4096
const PROBE_BYTES = 8 * 1024 * 1024
/** The static data the search looks through (the engine's data segment sits below 1 MiB). */
const SEARCH_BYTES = 1024 * 1024

export interface HeapProbe {
  /** Where the allocator's heap-end word is in any engine instance of this module. */
  at: number
  /** The heap's end in a fresh instance: its base, with what start-up allocated. */
  base: number
  /** Pages below the base that hold anything in a fresh engine (its static data, in whole pages). */
  staticBytes: number
}

interface EmscriptenHeap {
  _malloc(size: number): number
  _free(ptr: number): void
}

/** The emscripten module behind a QuickJSWASMModule (a private field of quickjs-emscripten 0.32). */
function emscriptenOf(module: QuickJSWASMModule): EmscriptenHeap | undefined {
  const inner = (module as unknown as { module?: Partial<EmscriptenHeap> }).module
  return typeof inner?._malloc === 'function' && typeof inner._free === 'function'
    ? (inner as EmscriptenHeap)
    : undefined
}

/**
 * Finds the heap-end word on `scratch`, a fresh instance nothing else uses (it is consumed);
 * undefined when no single word behaves as one (another engine build), and callers fall back to
 * the memory's size.
 */
export function probeHeap(scratch: QuickJSInstance): HeapProbe | undefined {
  const heap = emscriptenOf(scratch.module)
  if (!heap) return undefined
  const image = () => Buffer.from(scratch.memory.buffer, 0, SEARCH_BYTES)
  const before = Buffer.from(image())
  const block = heap._malloc(PROBE_BYTES)
  if (block === 0) return undefined
  const after = image()
  const moved: number[] = []
  // Compared page by page first (a few words change): only the pages that differ are read word by word.
  for (let page = 0; page < SEARCH_BYTES; page += SLACK) {
    if (after.subarray(page, page + SLACK).equals(before.subarray(page, page + SLACK))) continue
    for (let at = page; at < page + SLACK; at += 4) {
      const end = after.readUInt32LE(at)
      const grew = end - before.readUInt32LE(at)
      if (grew >= PROBE_BYTES && grew < PROBE_BYTES + SLACK && end >= block + PROBE_BYTES)
        moved.push(at)
    }
  }
  heap._free(block)
  if (moved.length !== 1) return undefined
  const at = moved[0] as number
  const base = before.readUInt32LE(at)
  // The engine's static data and what start-up wrote below the heap, in whole wasm pages; a
  // runtime and its context live in the heap.
  const written = writtenPages(scratch.memory).subarray(0, Math.ceil(base / WASM_PAGE))
  const staticBytes = written.reduce((n, page) => n + page, 0) * WASM_PAGE
  return { at, base, staticBytes }
}

let probing: Promise<HeapProbe | undefined> | undefined
/** Set once the probe has run in this thread (undefined until then, or when it found nothing). */
export let heapProbed: HeapProbe | undefined

/** Takes a probe found elsewhere for this engine build (the binary's engine image, image.ts). */
export function knowHeapProbe(probe: HeapProbe): void {
  heapProbed = probe
  probing ??= Promise.resolve(probe)
}

/** Where this thread's engines keep their heap's end, found once, on a fresh instance of its own. */
export function heapProbe(): Promise<HeapProbe | undefined> {
  probing ??= acquireQuickJSInstance(MIN_MEMORY_MB).then(
    (scratch) => (heapProbed = probeHeap(scratch)),
    () => undefined,
  )
  return probing
}

/**
 * The bytes an engine uses now: its static part and its heap up to the allocator's end, at least
 * what was copied into it whole (a template's image), never more than the memory's size.
 */
export function engineBytes(instance: QuickJSInstance, probe: HeapProbe | undefined): number {
  const size = instance.memory.buffer.byteLength
  if (!probe) return size
  const end = new Uint32Array(instance.memory.buffer, probe.at, 1)[0] as number
  if (end < probe.base || end > size) return size
  const used = probe.staticBytes + (end - probe.base)
  return Math.min(size, Math.max(used, instance.copiedBytes ?? 0))
}
