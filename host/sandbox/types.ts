import type { GuestResponse, Invocation } from '../invocation.js'
import type { InvocationLog } from '../observe/invocation-log.js'
import type { FunctionSpec, SandboxKind } from '../types.js'

export interface InvokeOptions {
  /** Absolute deadline in epoch milliseconds (Date.now() scale, valid across threads). */
  deadline: number
  /** Aborted when the caller goes away (client disconnect, host shutdown). */
  signal: AbortSignal
  log: InvocationLog
  /**
   * Takes work the guest goes on doing after its response (ctx.waitUntil), settling when it ends;
   * it runs under the same deadline, and the caller counts the invocation as running until then.
   */
  waitUntil?: (work: Promise<void>) => void
}

export interface LoadedFunction extends AsyncDisposable {
  readonly spec: FunctionSpec
  /** Resolves to the guest's answer, or rejects with an FnhostError (GUEST_ERROR, CPU_LIMIT, ...). */
  invoke(inv: Invocation, opts: InvokeOptions): Promise<GuestResponse>
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
  load(spec: FunctionSpec): Promise<LoadedFunction>
  /** A trivial function of this kind, loaded and called once so a fresh worker compiles the engine before traffic. */
  warmup?(): FunctionSpec
}

/** How the registry gets a runnable function: through the worker pool. */
export type FunctionLoader = (spec: FunctionSpec) => Promise<LoadedFunction>

/** How the registry checks a file at scan time: in a worker, under a budget. */
export type FunctionInspector = (
  file: string,
  bytes: Uint8Array,
  hints?: InspectHints,
) => Promise<InspectResult & { kind: SandboxKind }>
