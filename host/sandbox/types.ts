import type { GuestResponse, Invocation } from '../invocation.js'
import type { InvocationLog } from '../observe/invocation-log.js'
import type { FunctionSpec, SandboxKind } from '../types.js'
import type { GuestGate } from './guest-gate.js'

export interface InvokeOptions {
  /** Absolute deadline in epoch milliseconds (Date.now() scale, valid across threads). */
  deadline: number
  /** Aborted when the caller goes away (client disconnect, host shutdown). */
  signal: AbortSignal
  log: InvocationLog
  /** Which pool task this is, for the gate its guest code runs through (see LoadOptions.gate). */
  runId?: number
  /**
   * Takes work the guest goes on doing after its response (ctx.waitUntil), settling when it ends;
   * it runs under the same deadline, and the caller counts the invocation as running until then.
   */
  waitUntil?: (work: Promise<void>) => void
}

export interface LoadOptions {
  /** The gate every entry into this copy's guest code goes through (default: an open one). */
  gate?: GuestGate
  /** The pool task loading it, for the gate. */
  runId?: number
  /** Epoch ms: the load budget (engine, prelude, module evaluation); default: now + timeoutMs. */
  deadline?: number
}

export interface LoadedFunction extends AsyncDisposable {
  readonly spec: FunctionSpec
  /** Resolves to the guest's answer, or rejects with an FnhostError (GUEST_ERROR, CPU_LIMIT, ...). */
  invoke(inv: Invocation, opts: InvokeOptions): Promise<GuestResponse>
  /**
   * Bytes of memory the function's sandboxes hold now: their WebAssembly memories, counting
   * only what is in use where that is known (a QuickJS engine's heap, not its whole reservation).
   * Cheap: the pool's worker reads it after each call.
   */
  memoryBytes?(): number
}

export interface InspectResult {
  /** Config the source declares itself (JS `export const config`), unvalidated. */
  config?: unknown
}

/** What the bundler learned about a JS source: how to evaluate it and where its config is. */
export interface InspectHints {
  format?: 'esm' | 'cjs'
  /** The entry file as JavaScript, searched for `export const config` (the bundle renames it). */
  configSource?: string
}

export interface SandboxDriver {
  readonly kind: SandboxKind
  /** Whether this driver runs the file; looks at the bytes, not only the name. Cheap: no guest code runs. */
  detect(file: string, bytes: Uint8Array): boolean
  /** Checks at scan time (syntax, wasm validation, ABI profile) plus embedded config. Throws on a bad file. */
  inspect(file: string, bytes: Uint8Array, hints?: InspectHints): Promise<InspectResult>
  load(spec: FunctionSpec, opts?: LoadOptions): Promise<LoadedFunction>
  /** A trivial function of this kind, loaded and called once so a fresh worker compiles the engine before traffic. */
  warmup?(): FunctionSpec
  /**
   * Starts compiling the engine in the background (V8 compiles wasm off the calling thread), and
   * whatever else a load of the default limits can have made ahead, so a serving worker's first
   * load does not wait for it.
   */
  prepare?(): void
  /**
   * A function like `spec` is being loaded on another worker: prepares what its load here would
   * wait for, in the background (QuickJS: the engine template of its package set).
   */
  expect?(spec: FunctionSpec): void
}

/** How the registry gets a runnable function: through the worker pool. */
export type FunctionLoader = (spec: FunctionSpec) => Promise<LoadedFunction>

/** How the registry checks a file at scan time: in a worker, under a budget. */
export type FunctionInspector = (
  file: string,
  bytes: Uint8Array,
  hints?: InspectHints,
) => Promise<InspectResult & { kind: SandboxKind }>
