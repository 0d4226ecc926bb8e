import type { ResolvedConfig } from './config.js'
import type { VendorBundle } from './bundle/types.js'
import type { KvSettings } from './kv/options.js'

/** The name of the sandbox driver that runs a function (host/sandbox knows them all). */
export type SandboxKind = string

/** One function as the registry found it: everything a sandbox needs to load it, as plain data. */
export interface FunctionSpec {
  /** Path below the functions folder without extension, '/'-separated: 'api/users'. */
  name: string
  /** Absolute path of the source file. */
  file: string
  kind: SandboxKind
  /** Route patterns ('/users/:id'), most specific handled by the router. */
  routes: string[]
  config: ResolvedConfig
  /** The bytes being served: a swap replaces the spec, so a running version never changes under a request. */
  source: Uint8Array
  /** How a bundled JS/TS source is evaluated (set by the bundler; absent for wasm). */
  format?: 'esm' | 'cjs'
  /** The bundle's source map (JSON, sources relative to the functions folder). */
  sourceMap?: string
  /**
   * The folder's packages, bundled apart (host/bundle/vendor.ts): evaluated in the function's own
   * engine before its source, which reaches them through it.
   */
  vendor?: VendorBundle
  /** Content hash of source + config: equal versions need no reload. */
  version: string
  /** The host's key-value store, when it has one: each thread opens its own connection to it. */
  kv?: KvSettings
}
