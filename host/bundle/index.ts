import { extname, relative, sep } from 'node:path'
import { BUNDLED_EXTENSIONS, type Bundle } from './bundle.js'
import { bundleCached } from './cache.js'

export { BUNDLED_EXTENSIONS, BundleError, type Bundle, type BundleFormat } from './bundle.js'
export { forgetBundle } from './cache.js'

/** The bundle of a JS/TS function file (cached), or undefined for a file that is not bundled (wasm). */
export async function bundleSource(
  dir: string,
  file: string,
  bytes: Uint8Array,
): Promise<Bundle | undefined> {
  if (!(BUNDLED_EXTENSIONS as readonly string[]).includes(extname(file))) return undefined
  let source: string
  try {
    source = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new Error(`${relative(dir, file).split(sep).join('/')} is not UTF-8 text`)
  }
  return bundleCached(dir, file, source)
}
