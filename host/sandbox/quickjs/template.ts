import type { QuickJSContext, QuickJSHandle, QuickJSWASMModule } from 'quickjs-emscripten-core'
import type { VendorBundle } from '../../types.js'
import { PRELUDE_FILENAME, preludeSource } from './prelude.js'
import type { Engine } from './spare.js'
import { VENDOR_FILENAME, vendorSource } from './vendor.js'
import { randomFillSync } from 'node:crypto'
import {
  acquireQuickJSInstance,
  cloneQuickJSInstance,
  MIN_MEMORY_MB,
  pageRuns,
  writtenPages,
  type PageRuns,
} from './wasm.js'

/*
 * Engines for a package set, copied from a template. Compiling a folder's vendor bundle takes
 * QuickJS most of a bundled function's load (74-93 ms for 526 KB here), and every function must
 * get its own engine: the template is an engine that ran the prelude (before it knew any
 * function, runPreludeAhead) and compiled the vendor bundle, and never runs a function's code;
 * each function's engine is a new instance whose memory starts as a copy of the template's (a
 * few milliseconds), so the function runs the packages itself, in its own engine, as if it had
 * compiled them there.
 */

/** Above this the vendor bundle is compiled in the function's load, under its deadline. */
export const MAX_TEMPLATE_VENDOR_BYTES = 8 * 1024 * 1024

/** Package sets a worker keeps a template for (each holds its engine's memory). */
const MAX_TEMPLATES = 4

interface Template {
  engine: Engine
  /** Where the prelude run ahead (host object, internals) and the vendor bundle compiled live. */
  host: number
  internals: number
  vendor: number
  /** The pages a copy needs (see cloneQuickJSInstance). */
  runs: PageRuns
}

const templates = new Map<string, Template>()

const keyOf = (memoryMb: number, packages: VendorBundle) => `${memoryMb}:${packages.digest}`

/** The JSValue pointer a handle owns (quickjs-emscripten keeps it as the lifetime's value). */
export const pointerOf = (handle: QuickJSHandle) => (handle as unknown as { value: number }).value

/** Compiles (never runs) `code` as a global script; undefined if it did not compile. */
export function compileScript(context: QuickJSContext, code: string, filename: string) {
  let compiled
  try {
    compiled = context.evalCode(code, filename, { type: 'global' })
  } catch {
    // Past the memory cap: the function's load meets that again, and reports it.
    return undefined
  }
  if (!compiled.error) return compiled.value
  compiled.error.dispose()
  return undefined
}

/** The prelude run ahead in an engine: the object its host calls go on, and what it returned. */
export interface RanPrelude {
  host: QuickJSHandle
  internals: QuickJSHandle
}

/**
 * Compiles and runs the prelude in an engine made ahead of its function: it defines the Web APIs
 * and the conventions, touching neither its host calls nor its function's settings, which the
 * sandbox that takes the engine gives it (boot.ts startPrelude). Undefined if it did not compile
 * or run, or left jobs queued: the prelude is the host's own code, so only in a broken build,
 * and then every load meets the failure on its own path.
 */
export function runPreludeAhead(context: QuickJSContext): RanPrelude | undefined {
  const compiled = compileScript(context, preludeSource(), PRELUDE_FILENAME)
  if (!compiled) return undefined
  const host = context.newObject()
  let result
  try {
    result = context.callFunction(compiled, context.undefined, host)
  } catch {
    // Past the memory cap: the function's load meets that again, and reports it.
    host.dispose()
    return undefined
  } finally {
    compiled.dispose()
  }
  if (result.error || context.runtime.hasPendingJob()) {
    result.error?.dispose()
    if (!result.error) result.value.dispose()
    host.dispose()
    return undefined
  }
  return { host, internals: result.value }
}

/** Frees an engine made ahead (a template or a spare) that no sandbox took. */
export function dropEngine(engine: Engine): void {
  engine.ran?.host.dispose()
  engine.ran?.internals.dispose()
  engine.vendor?.dispose()
  engine.context.dispose()
  engine.runtime.dispose()
}

/**
 * A fresh engine with its runtime and context made and the prelude run (`ran` undefined if it
 * did not compile or run), for copies to start from; `runs(engine)` gives the pages a copy needs
 * once the engine holds what copies take (see cloneQuickJSInstance).
 */
export async function engineToCopy(memoryMb: number) {
  const instance = await acquireQuickJSInstance(memoryMb)
  // What instantiating the engine wrote, before it made a runtime: a copy's instantiation writes it too.
  const instantiated = writtenPages(instance.memory)
  const runtime = instance.module.newRuntime()
  const engine: Engine = { instance, runtime, context: runtime.newContext() }
  engine.ran = runPreludeAhead(engine.context)
  return { engine, runs: () => pageRuns(instantiated, writtenPages(instance.memory)) }
}

async function makeTemplate(memoryMb: number, packages: VendorBundle) {
  const { engine, runs } = await engineToCopy(memoryMb)
  engine.vendor =
    engine.ran && compileScript(engine.context, vendorSource(packages), VENDOR_FILENAME)
  if (!engine.ran || !engine.vendor) return dropEngine(engine)
  engine.vendorDigest = packages.digest
  return {
    engine,
    host: pointerOf(engine.ran.host),
    internals: pointerOf(engine.ran.internals),
    vendor: pointerOf(engine.vendor),
    runs: runs(),
  }
}

/**
 * The template for `packages` at `memoryMb`, made now if this worker has none (undefined when
 * the vendor bundle does not compile, or is too large to compile outside a load's deadline).
 */
async function templateFor(memoryMb: number, packages: VendorBundle) {
  const key = keyOf(memoryMb, packages)
  const known = templates.get(key)
  if (known) {
    templates.delete(key)
    templates.set(key, known)
    return known
  }
  if (packages.code.byteLength > MAX_TEMPLATE_VENDOR_BYTES) return undefined
  const made = await makeTemplate(memoryMb, packages)
  if (!made || templates.has(key)) return made && (dropEngine(made.engine), templates.get(key))
  templates.set(key, made)
  for (const [k, old] of templates) {
    if (templates.size <= MAX_TEMPLATES) break
    templates.delete(k)
    dropEngine(old.engine)
  }
  return made
}

/** How far into a JSContext its scan for Math.random's state reaches (the struct is smaller). */
const CONTEXT_SCAN_BYTES = 512

const draw = (context: QuickJSContext) => {
  const handle = context.unwrapResult(context.evalCode('Math.random()'))
  const value = context.getNumber(handle)
  handle.dispose()
  return value
}

/**
 * Where in a JSContext QuickJS keeps Math.random's state, which it seeds from the clock (in
 * microseconds) when a context is made, so copies of one template would all draw the same
 * numbers: found once per thread on a scratch engine as the word holding the clock of its
 * making, and checked by setting it (the same seed draws the same number, another seed another).
 * Undefined if not found: then no template is used.
 */
async function findRandomState(): Promise<number | undefined> {
  const instance = await acquireQuickJSInstance(MIN_MEMORY_MB)
  const runtime = instance.module.newRuntime()
  const from = BigInt(Date.now() - 1000) * 1000n
  const context = runtime.newContext()
  const to = BigInt(Date.now() + 1000) * 1000n
  const ctx = (context as unknown as { ctx: { value: number } }).ctx.value
  const word = (offset: number) =>
    new DataView(instance.memory.buffer).getBigUint64(ctx + offset, true)
  const seed = (offset: number, value: bigint) =>
    new DataView(instance.memory.buffer).setBigUint64(ctx + offset, value, true)
  try {
    for (let offset = 0; offset < CONTEXT_SCAN_BYTES; offset += 8) {
      const value = word(offset)
      if (value < from || value > to) continue
      seed(offset, 0x1234_5678_9abcn)
      const first = draw(context)
      seed(offset, 0x1234_5678_9abcn)
      const again = draw(context)
      seed(offset, 0xfedc_ba98_7654n)
      const other = draw(context)
      if (first === again && other !== first) return offset
      seed(offset, value)
    }
    return undefined
  } catch {
    return undefined
  } finally {
    // A scratch engine, left to the garbage collector with its memory: it is never reused.
    void runtime
  }
}

let randomState: Promise<number | undefined> | undefined

/** Where a JSContext keeps Math.random's state (see findRandomState), found once per thread. */
export function randomStateOffset(): Promise<number | undefined> {
  return (randomState ??= findRandomState())
}

/** A new, non-zero Math.random state for a copy's context. */
export function reseed(memory: WebAssembly.Memory, at: number): void {
  const seed = new BigUint64Array(1)
  do randomFillSync(seed)
  while (seed[0] === 0n)
  new DataView(memory.buffer).setBigUint64(at, seed[0]!, true)
}

/** Where an engine's runtime and context live in its memory (the same in every copy of it). */
export interface EnginePointers {
  runtime: number
  context: number
}

export function enginePointers(engine: Pick<Engine, 'runtime' | 'context'>): EnginePointers {
  return {
    runtime: (engine.runtime as unknown as { rt: { value: number } }).rt.value,
    context: (engine.context as unknown as { ctx: { value: number } }).ctx.value,
  }
}

/**
 * The runtime and context at `at` in a copy's own module, with a handle maker for the values the
 * copy holds at known addresses.
 */
export function adoptEngine(module: QuickJSWASMModule, at: EnginePointers) {
  const ffi = module.getFFI() as unknown as { QTS_NewRuntime: () => number }
  const newRuntime = ffi.QTS_NewRuntime
  ffi.QTS_NewRuntime = () => at.runtime
  let runtime
  try {
    runtime = module.newRuntime()
  } finally {
    ffi.QTS_NewRuntime = newRuntime
  }
  const context = runtime.newContext({ contextPointer: at.context } as object)
  const memory = (context as unknown as { memory: { heapValueHandle(p: number): QuickJSHandle } })
    .memory
  return { runtime, context, handle: (pointer: number) => memory.heapValueHandle(pointer) }
}

/** The runtime and context at the template's addresses, in a copy's own module. */
function adopt(module: QuickJSWASMModule, template: Template) {
  const { runtime, context, handle } = adoptEngine(module, enginePointers(template.engine))
  const ran = { host: handle(template.host), internals: handle(template.internals) }
  return { runtime, context, ran, vendor: handle(template.vendor) }
}

/**
 * A new engine for a function using `packages`, with the prelude and the vendor bundle compiled
 * (copied from the worker's template, made first if needed); undefined if no template can be had.
 */
export async function engineFromTemplate(
  memoryMb: number,
  packages: VendorBundle,
): Promise<Engine | undefined> {
  const state = await randomStateOffset()
  if (state === undefined) return undefined
  for (;;) {
    const template = await templateFor(memoryMb, packages)
    if (!template) return undefined
    const { memory } = template.engine.instance
    const instance = await cloneQuickJSInstance(memoryMb, memory, template.runs)
    // Copied after an await: a template dropped meanwhile (another package set's) is not copied.
    if (templates.get(keyOf(memoryMb, packages)) !== template) continue
    const adopted = adopt(instance.module, template)
    reseed(instance.memory, enginePointers(adopted).context + state)
    return { instance, ...adopted, vendorDigest: packages.digest }
  }
}
