import type { FunctionSpec, SandboxKind } from '../types.js'

export type LogLevel = 'debug' | 'info' | 'log' | 'warn' | 'error'

/** Where a guest's console/stderr goes for one invocation; the host applies the size cap. */
export interface InvocationLog {
  write(level: LogLevel, message: string): void
  /** True once the per-invocation cap is reached: drivers may stop formatting output. */
  readonly full: boolean
}

export interface InvokeOptions {
  /** Absolute deadline in epoch milliseconds (Date.now() scale, valid across threads). */
  deadline: number
  signal: AbortSignal
  requestId: string
  /** Values of the matched route's `:params`. */
  params: Record<string, string>
  log: InvocationLog
}

export interface LoadedFunction extends AsyncDisposable {
  readonly spec: FunctionSpec
  /** Resolves to the guest's response, or rejects with an FnhostError (GUEST_ERROR, CPU_LIMIT, ...). */
  invoke(req: Request, opts: InvokeOptions): Promise<Response>
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
  /** Whether this driver runs the file; looks at the bytes, not only the name. */
  detect(file: string, bytes: Uint8Array): boolean
  /** Cheap checks at scan time (syntax, wasm validation, ABI profile) plus embedded config. Throws on a bad file. */
  inspect(file: string, bytes: Uint8Array, hints?: InspectHints): Promise<InspectResult>
  load(spec: FunctionSpec): Promise<LoadedFunction>
}

/** How the registry gets a runnable function: in-process (`loadInProcess`) or through the worker pool. */
export type FunctionLoader = (spec: FunctionSpec) => Promise<LoadedFunction>
