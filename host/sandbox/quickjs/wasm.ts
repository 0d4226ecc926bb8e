import releaseSync from '@jitl/quickjs-wasmfile-release-sync'
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core'
import { QUICKJS_WASM, readAssetView } from '../../assets.js'
import { RUNNER_ENGINE_COMPILE } from '../../code-cache.js'
import { FnhostError } from '../../errors.js'
import { traceStart } from '../../observe/start-trace.js'

// The package's types describe its CommonJS build; loaded as ESM, the default export is the variant.
const RELEASE_SYNC = ((releaseSync as { default?: QuickJSSyncVariant }).default ??
  releaseSync) as QuickJSSyncVariant

const PAGE = 64 * 1024
/** A WebAssembly memory page, the unit of writtenPages. */
export const WASM_PAGE = PAGE
const ZERO_PAGE = new Uint8Array(PAGE)

/** The QuickJS build declares a 16 MiB initial memory; a smaller import fails to link. */
export const MIN_MEMORY_MB = 16

let compiled: Promise<WebAssembly.Module> | undefined

/** The QuickJS engine, compiled once per thread and instantiated once per sandbox. */
export function quickjsWasmModule(): Promise<WebAssembly.Module> {
  if (!compiled) {
    traceStart('quickjs compile started')
    // In the binary a pool worker's runner started it before the worker's bundle loaded.
    const early = (globalThis as Record<symbol, unknown>)[RUNNER_ENGINE_COMPILE] as
      Promise<WebAssembly.Module> | undefined
    compiled = early ?? WebAssembly.compile(readAssetView(QUICKJS_WASM))
    void compiled.then(() => traceStart('quickjs compiled'))
  }
  return compiled
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
  /**
   * Bytes written into the memory when it was made (the pages of a template's image that hold
   * anything, written whole, zeros within them included).
   */
  copiedBytes?: number
}

/**
 * Where the engine's own messages go: nowhere. The build prints only when it aborts (an assertion
 * such as JS_FreeRuntime's, when a handle outlives its runtime) or fails to load its wasm, and
 * then throws an error with the same text, which reaches the host as a value (runtime.ts); the
 * default, console.error in whichever thread made the engine, wrote a raw line to the process's
 * stderr, outside the host's log.
 */
const ENGINE_OUTPUT: EngineModuleOptions & {
  print(text: string): void
  printErr(text: string): void
} = { print: () => undefined, printErr: () => undefined }

/** Emscripten's module options, passed through by newVariant (print and printErr are untyped). */
type EngineModuleOptions = NonNullable<Parameters<typeof newVariant>[1]['emscriptenModule']>

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
    newVariant(RELEASE_SYNC, { wasmModule, wasmMemory: memory, emscriptenModule: ENGINE_OUTPUT }),
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
/** Memories given back, zero-filled after the turn (or when one is taken): keepZeroed. */
const toZero: [memoryMb: number, memory: WebAssembly.Memory][] = []
const MAX_IDLE_INSTANCES = 8
const MAX_ZEROED_PER_CAP = 4
const MAX_IDLE_BYTES = 32 * 1024 * 1024

/** An instance `owner` (a function version) released earlier, if one is kept. */
export function takeIdleInstance(owner: string | undefined): QuickJSInstance | undefined {
  const own = owner === undefined ? undefined : idleInstances.get(owner)?.pop()
  if (own) idleOrder.splice(idleOrder.lastIndexOf(owner as string), 1)
  return own
}

/** An instance for `owner` (a function version); without an owner, always a fresh engine. */
export async function acquireQuickJSInstance(
  memoryMb: number,
  owner?: string,
): Promise<QuickJSInstance> {
  return takeIdleInstance(owner) ?? newQuickJSInstance(memoryMb, takeZeroedMemory(memoryMb))
}

/** Byte ranges of a memory, `[start, end)`, in whole 64 KiB pages. */
export type PageRuns = [start: number, end: number][]

/**
 * Which 64 KiB pages of `memory` hold anything (1) and which are all zeros (0). Pages are compared
 * whole against a zero page (a native memcmp): 1-3 ms per 16 MiB here, once per template.
 */
export function writtenPages(memory: WebAssembly.Memory): Uint8Array {
  const bytes = Buffer.from(memory.buffer)
  const pages = new Uint8Array(bytes.byteLength / PAGE)
  for (let page = 0; page < pages.length; page++)
    pages[page] = bytes.subarray(page * PAGE, (page + 1) * PAGE).equals(ZERO_PAGE) ? 0 : 1
  return pages
}

/** The pages marked in any of `maps` (writtenPages), as runs of whole pages. */
export function pageRuns(...maps: Uint8Array[]): PageRuns {
  const length = Math.max(...maps.map((m) => m.length))
  const runs: PageRuns = []
  for (let page = 0; page < length; page++) {
    if (!maps.some((m) => m[page] === 1)) continue
    const last = runs[runs.length - 1]
    if (last && last[1] === page * PAGE) last[1] += PAGE
    else runs.push([page * PAGE, (page + 1) * PAGE])
  }
  return runs
}

/**
 * A fresh engine instance whose memory starts as a copy of `image` (an engine made as a template,
 * host/sandbox/quickjs/template.ts, or the binary's image of one, image.ts): the copy holds the
 * template's runtime, context and compiled code at the same addresses. Only `runs` are copied: the
 * pages the template holds anything in, and those its own instantiation wrote, which this
 * instantiation writes again (the same bytes, or the template's, copied over them). Every other
 * page is zero in both (a new or zero-filled memory): an engine's heap is about half zero pages (6
 * of 11 MiB after a 530 KB vendor bundle compiled), and a page never written is never faulted in.
 */
export async function cloneQuickJSInstance(
  memoryMb: number,
  image: { readonly buffer: ArrayBufferLike },
  runs: PageRuns,
): Promise<QuickJSInstance> {
  const memory = takeZeroedMemory(memoryMb) ?? newMemory(memoryMb)
  const missing = image.buffer.byteLength - memory.buffer.byteLength
  // Grown before instantiation: the engine then sees the template's heap size from its start.
  if (missing > 0) grow.call(memory, missing / PAGE)
  const instance = await newQuickJSInstance(memoryMb, memory)
  const to = new Uint8Array(memory.buffer)
  const from = new Uint8Array(image.buffer)
  let copied = 0
  for (const [start, end] of runs) {
    to.set(from.subarray(start, end), start)
    copied += end - start
  }
  instance.copiedBytes = copied
  return instance
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

/**
 * Keeps a memory whose engine instance is abandoned, to be zero-filled once the current turn is
 * over, so acquiring stays cheap: a scan-time check gives its engine back just before its answer
 * goes to the main thread, and the fill (~3 ms) then runs while the main thread reads the answer.
 */
function keepZeroed(memoryMb: number, memory: WebAssembly.Memory): void {
  const kept =
    (zeroedMemories.get(memoryMb)?.length ?? 0) + toZero.filter(([mb]) => mb === memoryMb).length
  if (kept >= MAX_ZEROED_PER_CAP) return
  if (toZero.push([memoryMb, memory]) === 1) setImmediate(zeroKept)
}

/** Zero-fills the memories given back since, and keeps them for the next engines. */
function zeroKept(): void {
  for (const [memoryMb, memory] of toZero.splice(0)) {
    zeroFill(memory)
    const list = zeroedMemories.get(memoryMb) ?? []
    list.push(memory)
    zeroedMemories.set(memoryMb, list)
  }
}

/** A zero-filled memory kept for `memoryMb`, if there is one (those waiting are filled first). */
function takeZeroedMemory(memoryMb: number): WebAssembly.Memory | undefined {
  if (toZero.length > 0) zeroKept()
  return zeroedMemories.get(memoryMb)?.pop()
}

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
