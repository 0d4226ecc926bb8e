import releaseSync from '@jitl/quickjs-wasmfile-release-sync'
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core'
import { QUICKJS_WASM, readAsset } from '../../assets.js'
import { FnhostError } from '../../errors.js'
import { traceStart } from '../../observe/start-trace.js'
import { probeHeap, type HeapProbe } from './heap-size.js'

// The package's types describe its CommonJS build; loaded as ESM, the default export is the variant.
const RELEASE_SYNC = ((releaseSync as { default?: QuickJSSyncVariant }).default ??
  releaseSync) as QuickJSSyncVariant

const PAGE = 64 * 1024

/** The QuickJS build declares a 16 MiB initial memory; a smaller import fails to link. */
export const MIN_MEMORY_MB = 16

let compiled: Promise<WebAssembly.Module> | undefined

/** The QuickJS engine, compiled once per thread and instantiated once per sandbox. */
export function quickjsWasmModule(): Promise<WebAssembly.Module> {
  if (!compiled) {
    traceStart('quickjs compile started')
    compiled = WebAssembly.compile(readAsset(QUICKJS_WASM))
    void compiled.then(() => traceStart('quickjs compiled'))
  }
  return compiled
}

let heap: Promise<HeapProbe | undefined> | undefined
/** Set once the probe has run in this thread (undefined until then, or when it found nothing). */
export let heapProbed: HeapProbe | undefined

/** Where this thread's engines keep their heap's end (host/sandbox/quickjs/heap-size.ts), found once. */
export function heapProbe(): Promise<HeapProbe | undefined> {
  heap ??= newQuickJSInstance(MIN_MEMORY_MB).then(
    (scratch) => (heapProbed = probeHeap(scratch)),
    () => undefined,
  )
  return heap
}

export interface QuickJSInstance {
  module: QuickJSWASMModule
  memory: WebAssembly.Memory
  /** The memory cap in bytes: the instance cannot grow past it. */
  capBytes: number
  memoryMb: number
  /**
   * The engine asked its memory to grow past the cap (set by the memory itself, see watchGrowth):
   * the engine's own word that it ran out of memory, which no guest value can forge.
   */
  growRefused: boolean
  /** Bytes written into the memory whole when it was made (a template's image), zeros included. */
  copiedBytes?: number
}

/**
 * A private QuickJS instance whose linear memory cannot grow past `memoryMb`. QuickJS's own
 * setMemoryLimit is not a hard cap in the wasm build; a capped WebAssembly.Memory is. `memory`,
 * when given, is a zero-filled one from an earlier instance: the engine starts fresh in it.
 */
async function newQuickJSInstance(
  memoryMb: number,
  memory = newMemory(memoryMb),
): Promise<QuickJSInstance> {
  const wasmModule = await quickjsWasmModule()
  const state = { growRefused: false }
  watchGrowth(memory, state)
  const module = await newQuickJSWASMModuleFromVariant(
    newVariant(RELEASE_SYNC, { wasmModule, wasmMemory: memory }),
  )
  const capBytes = ((memoryMb * 1024 * 1024) / PAGE) * PAGE
  return Object.assign(state, { module, memory, capBytes, memoryMb })
}

const grow = WebAssembly.Memory.prototype.grow

/**
 * The engine's allocator grows its memory with `memory.grow` (emscripten's resize_heap) and
 * treats a RangeError as "no more memory": this own `grow` records that refusal on `state`.
 */
function watchGrowth(memory: WebAssembly.Memory, state: { growRefused: boolean }): void {
  Object.defineProperty(memory, 'grow', {
    configurable: true,
    value(delta: number): number {
      try {
        return grow.call(memory, delta)
      } catch (e) {
        state.growRefused = true
        throw e
      }
    },
  })
}

function newMemory(memoryMb: number): WebAssembly.Memory {
  if (memoryMb < MIN_MEMORY_MB)
    throw new FnhostError(
      'FUNCTION_LOAD_FAILED',
      `memoryMb is ${memoryMb}, but a JavaScript function needs at least ${MIN_MEMORY_MB} (the engine's own memory)`,
    )
  const maximum = (memoryMb * 1024 * 1024) / PAGE
  return new WebAssembly.Memory({ initial: (MIN_MEMORY_MB * 1024 * 1024) / PAGE, maximum })
}

/*
 * What freed runtimes leave behind, for the next runtime: a fresh WebAssembly.Memory per sandbox
 * makes V8 run a major GC every few sandboxes, and a fresh engine instance costs ~5 ms. An engine
 * instance (its heap holding whatever the last runtime freed) is reused only by the same owner,
 * one function version; any other function gets a fresh engine instance over a zero-filled
 * memory, so no function ever sees another's bytes. Only small memories are kept.
 */
const idleInstances = new Map<string, QuickJSInstance[]>()
const idleOrder: string[] = []
const zeroedMemories = new Map<number, WebAssembly.Memory[]>()
const MAX_IDLE_INSTANCES = 8
const MAX_ZEROED_PER_CAP = 4
const MAX_IDLE_BYTES = 32 * 1024 * 1024

/** An instance for `owner` (a function version); without an owner, always a fresh engine. */
export async function acquireQuickJSInstance(
  memoryMb: number,
  owner?: string,
): Promise<QuickJSInstance> {
  const own = owner === undefined ? undefined : idleInstances.get(owner)?.pop()
  if (own) {
    idleOrder.splice(idleOrder.lastIndexOf(owner as string), 1)
    return own
  }
  return newQuickJSInstance(memoryMb, zeroedMemories.get(memoryMb)?.pop())
}

/**
 * A fresh engine instance whose memory starts as a copy of `image`'s first `bytes` (an engine
 * made as a template, host/sandbox/quickjs/template.ts): the copy holds the template's runtime,
 * context and compiled code at the same addresses. Instantiating writes only what the template's
 * own instantiation wrote, which the copy overwrites.
 */
export async function cloneQuickJSInstance(
  memoryMb: number,
  image: WebAssembly.Memory,
  bytes: number,
): Promise<QuickJSInstance> {
  const memory = zeroedMemories.get(memoryMb)?.pop() ?? newMemory(memoryMb)
  const missing = image.buffer.byteLength - memory.buffer.byteLength
  // Grown before instantiation: the engine then sees the template's heap size from its start.
  if (missing > 0) grow.call(memory, missing / PAGE)
  const instance = await newQuickJSInstance(memoryMb, memory)
  new Uint8Array(memory.buffer).set(new Uint8Array(image.buffer, 0, bytes))
  instance.copiedBytes = bytes
  return instance
}

/** How many bytes from the start of `memory` hold anything (the rest is zero), in whole pages. */
export function usedBytes(memory: WebAssembly.Memory): number {
  const words = new BigUint64Array(memory.buffer)
  const perPage = PAGE / 8
  for (let page = words.length / perPage - 1; page >= 0; page--)
    for (let i = (page + 1) * perPage - 1; i >= page * perPage; i--)
      if (words[i] !== 0n) return (page + 1) * PAGE
  return 0
}

/** Hands back an instance that holds no runtime any more (never one that faulted). */
export function releaseQuickJSInstance(
  memoryMb: number,
  instance: QuickJSInstance,
  owner?: string,
): void {
  if (instance.memory.buffer.byteLength > MAX_IDLE_BYTES) return
  if (owner === undefined) return keepZeroed(memoryMb, instance.memory)
  const list = idleInstances.get(owner) ?? []
  list.push(instance)
  idleInstances.set(owner, list)
  idleOrder.push(owner)
  while (idleOrder.length > MAX_IDLE_INSTANCES) {
    const oldest = idleOrder.shift() as string
    const evicted = idleInstances.get(oldest)?.shift()
    if (idleInstances.get(oldest)?.length === 0) idleInstances.delete(oldest)
    if (evicted) keepZeroed(evicted.memoryMb, evicted.memory)
  }
}

/** Keeps a memory whose engine instance is abandoned, zero-filled now so acquiring stays cheap. */
function keepZeroed(memoryMb: number, memory: WebAssembly.Memory): void {
  const list = zeroedMemories.get(memoryMb) ?? []
  if (list.length >= MAX_ZEROED_PER_CAP) return
  zeroFill(memory)
  list.push(memory)
  zeroedMemories.set(memoryMb, list)
}

const ZERO_PAGE = new Uint8Array(PAGE)

/**
 * Zero-fills a memory page by page, writing only the pages that hold something: an engine
 * touches a few MiB of its 16, and a page never written reads as zeros without being made
 * resident, where filling it would fault it in (a 16 MiB fill took ~9 ms, the check ~3 ms).
 */
function zeroFill(memory: WebAssembly.Memory): void {
  const bytes = Buffer.from(memory.buffer)
  for (let at = 0; at < bytes.byteLength; at += PAGE) {
    const page = bytes.subarray(at, at + PAGE)
    if (!page.equals(ZERO_PAGE)) page.fill(0)
  }
}
