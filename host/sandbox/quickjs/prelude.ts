import { readAssetText } from '../../assets.js'

/** guests/js files compiled into every context, in dependency order; they share one scope. */
const CORE = [
  'base',
  'encoding',
  'headers',
  'body',
  'timers',
  'fetch',
  'kv',
  'conventions',
  'globals',
]

/**
 * guests/js files compiled on first use (see unit() in base.js), with the names each exports.
 * Compiling them up front would double the cost of every sandbox for APIs most handlers skip.
 */
const UNITS: Record<string, { files: string[]; exports: string[] }> = {
  events: {
    files: ['events'],
    exports: [
      'AbortController',
      'AbortSignal',
      'DOMException',
      'Event',
      'EventTarget',
      'newAbortSignal',
    ],
  },
  url: {
    files: ['url', 'search-params'],
    exports: ['URL', 'URLSearchParams'],
  },
  streams: {
    files: ['streams'],
    exports: [
      'ReadableStream',
      'bytesStream',
      'readStream',
      'streamIsDisturbed',
      'takeStreamBytes',
    ],
  },
  console: { files: ['console'], exports: ['console', 'inspect'] },
  clone: { files: ['clone'], exports: ['structuredClone'] },
  crypto: { files: ['crypto'], exports: ['crypto'] },
  blob: { files: ['blob'], exports: ['Blob', 'File', 'bytesOfBlob'] },
  form: { files: ['form-data'], exports: ['FormData', 'encodeMultipart', 'parseFormBody'] },
  compression: { files: ['compression'], exports: ['CompressionStream', 'DecompressionStream'] },
}

/** What the prelude learns about its function, passed as JSON. */
export interface PreludeInit {
  env: Record<string, string>
  functionName: string
  memoryMb: number
  /** KV binding names (`KV`, `KV_<NAME>`) the function was granted; empty without a store. */
  kv: string[]
  /** Epoch ms when the sandbox started (performance.timeOrigin). */
  timeOrigin: number
}

export const PRELUDE_FILENAME = 'fnhost:prelude'

const read = (file: string) => readAssetText(`guests/js/${file}.js`)

let prelude: string | undefined
const units = new Map<string, string>()

/**
 * The prelude as one function expression `(host) => internals`: the host calls it once per
 * context, so `host` stays a closure variable the guest cannot reach. It needs neither its host
 * calls nor its function while it runs (engines run it ahead, template.ts runPreludeAhead): the
 * calls are put on `host` and the function's settings given to `internals.configure` afterwards,
 * before the function's own code runs (boot.ts startPrelude).
 */
export function preludeSource(): string {
  prelude ??= [
    '(function (host) {',
    "'use strict'",
    read('intrinsics'),
    'const init = {}',
    ...CORE.map(read),
    'return internals',
    '})',
  ].join('\n')
  return prelude
}

/** A unit's source for the guest's direct eval; its completion value is its exports. */
export function unitSource(name: string): string | undefined {
  const unit = UNITS[name]
  if (!unit) return undefined
  let source = units.get(name)
  if (source === undefined) {
    source = [...unit.files.map(read), `;({ ${unit.exports.join(', ')} })`].join('\n')
    units.set(name, source)
  }
  return source
}
