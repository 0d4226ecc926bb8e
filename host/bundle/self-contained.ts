import { extname } from 'node:path'
import { codeOnly } from '../sandbox/quickjs/source.js'

const JS = new Set(['.js', '.mjs', '.cjs'])

/**
 * A JavaScript file that imports nothing is its own bundle: it runs as written (and keeps its
 * own positions), without a trip through esbuild, which would cost every one of a thousand
 * small functions a few milliseconds at start-up.
 */
export function selfContained(file: string, source: string): boolean {
  return JS.has(extname(file)) && !/\b(?:import|require)\b/.test(codeOnly(source))
}

/**
 * Up to this size the check above runs on the calling thread: one linear pass over the text
 * (nothing of it is evaluated) takes well under a millisecond, less than a message to the
 * bundling thread, and a host serving only small plain files never starts that thread at all,
 * which saves a thread start on the way to the first answer.
 */
export const CHECK_INLINE_BYTES = 64 * 1024

/**
 * True when `bytes` (a JS file no larger than CHECK_INLINE_BYTES) is valid UTF-8 importing
 * nothing; false means "ask the bundling thread" (it also words the errors).
 */
export function smallSelfContained(file: string, bytes: Uint8Array): boolean {
  if (bytes.byteLength > CHECK_INLINE_BYTES || !JS.has(extname(file))) return false
  let source: string
  try {
    source = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return false
  }
  return selfContained(file, source)
}
