import type { ResolvedConfig } from './config.js'
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
   * The packages the function imports, bundled apart (host/bundle/vendor.ts): evaluated in the function's own
   * engine before its source, which reaches them through it.
   */
  vendor?: VendorBundle
  /** Content hash of source + config: equal versions need no reload. */
  version: string
  /** The host's key-value store, when it has one: each thread opens its own connection to it. */
  kv?: KvSettings
}

/**
 * A set of packages as one global script (host/bundle/vendor.ts): evaluated in a function's
 * own engine before the function, it defines a global (VENDOR_GLOBAL in host/bundle/types.ts) through which the function's stand-in
 * modules reach each package's exports.
 */
export interface VendorBundle {
  /** SHA-256 of code and map (hex): equal digests are the same vendor bundle. */
  digest: string
  code: Uint8Array
  /** Source map (JSON); `sources` relative to the functions folder. */
  map: string
}
