import releaseSync from '@jitl/quickjs-wasmfile-release-sync'
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core'
import { QUICKJS_WASM, readAsset } from '../../assets.js'
import { FnhostError } from '../../errors.js'

// The package's types describe its CommonJS build; loaded as ESM, the default export is the variant.
const RELEASE_SYNC = ((releaseSync as { default?: QuickJSSyncVariant }).default ??
  releaseSync) as QuickJSSyncVariant

const PAGE = 64 * 1024

/** The QuickJS build declares a 16 MiB initial memory; a smaller import fails to link. */
export const MIN_MEMORY_MB = 16

let compiled: Promise<WebAssembly.Module> | undefined

/** The QuickJS engine, compiled once per thread and instantiated once per sandbox. */
export function quickjsWasmModule(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(readAsset(QUICKJS_WASM))
  return compiled
}

export interface QuickJSInstance {
  module: QuickJSWASMModule
  memory: WebAssembly.Memory
  /** The memory cap in bytes: the instance cannot grow past it. */
  capBytes: number
}

/**
 * A private QuickJS instance whose linear memory cannot grow past `memoryMb`. QuickJS's own
 * setMemoryLimit is not a hard cap in the wasm build; a capped WebAssembly.Memory is.
 */
async function newQuickJSInstance(memoryMb: number): Promise<QuickJSInstance> {
  if (memoryMb < MIN_MEMORY_MB)
    throw new FnhostError(
      'FUNCTION_LOAD_FAILED',
      `memoryMb is ${memoryMb}, but a JavaScript function needs at least ${MIN_MEMORY_MB} (the engine's own memory)`,
    )
  const maximum = (memoryMb * 1024 * 1024) / PAGE
  const memory = new WebAssembly.Memory({ initial: (MIN_MEMORY_MB * 1024 * 1024) / PAGE, maximum })
  const wasmModule = await quickjsWasmModule()
  const module = await newQuickJSWASMModuleFromVariant(
    newVariant(RELEASE_SYNC, { wasmModule, wasmMemory: memory }),
  )
  return { module, memory, capBytes: maximum * PAGE }
}

/**
 * Instances whose runtimes were all freed cleanly, by memory cap, for the next runtime: a fresh
 * WebAssembly.Memory per sandbox costs an instantiation and, worse, makes V8 run a major GC every
 * few sandboxes. Only small ones are kept, so idle instances do not pin much memory.
 */
const idle = new Map<number, QuickJSInstance[]>()
const MAX_IDLE_PER_CAP = 4
const MAX_IDLE_BYTES = 32 * 1024 * 1024

export async function acquireQuickJSInstance(memoryMb: number): Promise<QuickJSInstance> {
  return idle.get(memoryMb)?.pop() ?? newQuickJSInstance(memoryMb)
}

/** Hands back an instance that holds no runtime any more (never one that faulted). */
export function releaseQuickJSInstance(memoryMb: number, instance: QuickJSInstance): void {
  if (instance.memory.buffer.byteLength > MAX_IDLE_BYTES) return
  const list = idle.get(memoryMb) ?? []
  if (list.length >= MAX_IDLE_PER_CAP) return
  list.push(instance)
  idle.set(memoryMb, list)
}
