import {
  deflateRawSync,
  deflateSync,
  gunzipSync,
  gzipSync,
  inflateRawSync,
  inflateSync,
} from 'node:zlib'

const CODECS = {
  compress: { gzip: gzipSync, deflate: deflateSync, 'deflate-raw': deflateRawSync },
  decompress: { gzip: gunzipSync, deflate: inflateSync, 'deflate-raw': inflateRawSync },
} as const

type Kind = keyof typeof CODECS
type Format = keyof (typeof CODECS)['compress']

/**
 * One whole CompressionStream/DecompressionStream run for a guest. Output is capped at the
 * function's memory: the guest could not hold more, and a bomb must not grow the host either.
 */
export function zlibForGuest(kind: string, format: string, bytes: Uint8Array, maxBytes: number) {
  if (kind !== 'compress' && kind !== 'decompress') throw new Error(`unknown zlib kind ${kind}`)
  const codecs = CODECS[kind as Kind]
  if (!Object.hasOwn(codecs, format)) throw new Error(`unsupported format ${format}`)
  return codecs[format as Format](bytes, { maxOutputLength: maxBytes })
}
