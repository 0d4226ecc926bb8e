/*
 * What the host knows of bundles without loading esbuild (bundle.ts, which runs on the bundling
 * thread): the main thread needs only these names.
 */

import type { VendorBundle } from '../types.js'

export type { VendorBundle }

export type BundleFormat = 'esm' | 'cjs'

/** A function's source and everything it imports, as one module QuickJS runs. */
export interface Bundle {
  code: Uint8Array
  /** Source map (JSON); `sources` are relative to the functions folder, never absolute. */
  map: string
  format: BundleFormat
  /** The entry file as JavaScript (TypeScript stripped), where `export const config` is looked for. */
  entry: string
  /** Absolute paths of every file bundled, the entry included: the watcher follows them. */
  inputs: string[]
  /** The folder's packages, when the function's imports of them were left to a vendor bundle. */
  vendor?: VendorBundle
}

export type ModuleFormat = 'esm' | 'cjs'

/** The guest global through which a split function's imports reach the vendor bundle. */
export const VENDOR_GLOBAL = '__fnhost_vendor'

/** A function that could not be bundled; the message names file:line:column, relative to the folder. */
export class BundleError extends Error {
  override readonly name = 'BundleError'
}

/** File extensions bundled into a JS function. */
export const BUNDLED_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'] as const

/** Bumped when the options in bundle.ts change, so a cached bundle from other options is not reused. */
export const BUNDLE_OPTIONS_VERSION = 3
