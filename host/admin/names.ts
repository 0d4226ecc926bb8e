import { FnhostError } from '../errors.js'

/** Longest function name the management API accepts. */
export const MAX_NAME_LENGTH = 128

const SEGMENT = /^[A-Za-z0-9_-]+$/

/**
 * A function name from the URL (still percent-encoded): '/'-separated segments of
 * `[A-Za-z0-9_-]`, none empty, none a dot segment or dot-prefixed, at most 128 characters. Names
 * map to files below the functions folder, so anything else is refused before it becomes a path.
 */
export function functionNameFrom(raw: string): string {
  let segments: string[]
  try {
    segments = raw.split('/').map((s) => decodeURIComponent(s))
  } catch {
    throw badName('it is not valid percent-encoding')
  }
  const name = segments.join('/')
  if (name.length === 0) throw badName('it is empty')
  if (name.length > MAX_NAME_LENGTH)
    throw badName(`it is longer than ${MAX_NAME_LENGTH} characters`)
  for (const s of segments) {
    if (s === '') throw badName('it has an empty segment')
    if (s.startsWith('.')) throw badName('a segment starts with a dot')
    if (!SEGMENT.test(s)) throw badName('segments hold only A-Z, a-z, 0-9, _ and -')
    if (s.startsWith('_')) throw badName('a segment starting with _ is never served')
  }
  if (segments.includes('node_modules')) throw badName('node_modules is never served')
  // Its sidecar would be the host's own configuration file.
  if (name === 'fnhost') throw badName('fnhost is reserved (fnhost.json configures the host)')
  return name
}

function badName(why: string): FnhostError {
  return new FnhostError('BAD_REQUEST', `invalid function name: ${why}`)
}

/** What an upload is, from its Content-Type: the file extension it is stored under. */
export type UploadKind = 'js' | 'ts' | 'wasm'

const KIND_OF_TYPE: Record<string, UploadKind> = {
  'application/javascript': 'js',
  'text/javascript': 'js',
  'application/ecmascript': 'js',
  'application/typescript': 'ts',
  'text/typescript': 'ts',
  'application/wasm': 'wasm',
}

/** Extensions of each kind: an existing file of the same kind keeps its own. */
export const KIND_EXTENSIONS: Record<UploadKind, string[]> = {
  js: ['.js', '.mjs', '.cjs'],
  ts: ['.ts', '.mts', '.cts'],
  wasm: ['.wasm'],
}

export function uploadKind(contentType: string | undefined): UploadKind {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  const kind = KIND_OF_TYPE[type]
  if (kind) return kind
  throw new FnhostError(
    'UNSUPPORTED_MEDIA_TYPE',
    `send the function with Content-Type application/javascript, application/typescript or application/wasm (got ${type || 'none'})`,
  )
}

/** Upload limits per kind, in bytes. */
export const UPLOAD_LIMITS = {
  js: 8 * 1024 * 1024,
  wasm: 32 * 1024 * 1024,
  config: 64 * 1024,
}
