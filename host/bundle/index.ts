import { extname, relative, sep } from 'node:path'
import { codeOnly } from '../sandbox/quickjs/source.js'
import { BUNDLED_EXTENSIONS, type Bundle } from './bundle.js'
import { bundleCached } from './cache.js'

export { BUNDLED_EXTENSIONS, BundleError, type Bundle, type BundleFormat } from './bundle.js'
export { forgetBundle } from './cache.js'

const JS = new Set(['.js', '.mjs', '.cjs'])

/**
 * A JavaScript file that imports nothing is its own bundle: it runs as written (and keeps its
 * own positions), without a trip through esbuild, which would cost every one of a thousand
 * small functions a few milliseconds at start-up.
 */
function selfContained(file: string, source: string): boolean {
  return JS.has(extname(file)) && !/\b(?:import|require)\b/.test(codeOnly(source))
}

/**
 * The bundle of a JS/TS function file (cached), or undefined for a file that needs none: a wasm
 * module, or JavaScript without imports.
 */
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
  return selfContained(file, source) ? undefined : bundleCached(dir, file, source)
}
