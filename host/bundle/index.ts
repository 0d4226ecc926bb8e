import { extname } from 'node:path'
import { BUNDLED_EXTENSIONS } from './types.js'
import { smallSelfContained } from './self-contained.js'
import { bundleOffThread, type HashedBundle } from './thread.js'

export { BUNDLED_EXTENSIONS, BundleError, type Bundle, type BundleFormat } from './types.js'
export { forgetBundle, warmBundler, type HashedBundle } from './thread.js'

/**
 * The bundle of a JS/TS function file (cached), or undefined for a file that needs none: a wasm
 * module, or JavaScript without imports. Every byte of the file is read on the bundling thread
 * (decoding, the import check, esbuild's answer, the cache's hashes): a huge source never stalls
 * the thread that serves requests; only a small plain JS file is checked where it is read
 * (self-contained.ts).
 */
export async function bundleSource(
  dir: string,
  file: string,
  bytes: Uint8Array,
): Promise<HashedBundle | undefined> {
  if (!(BUNDLED_EXTENSIONS as readonly string[]).includes(extname(file))) return undefined
  if (smallSelfContained(file, bytes)) return undefined
  return bundleOffThread(dir, file, bytes)
}
