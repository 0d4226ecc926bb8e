/**
 * The legacy encodings a guest TextDecoder supports beside UTF-8: UTF-16 and WHATWG's
 * single-byte encodings. Decoding a chunk of these needs no state the guest does not keep (the
 * guest holds back a split UTF-16 unit), so Node's own decoders run them. The multi-byte legacy
 * encodings (gbk, big5, shift_jis, euc-jp, euc-kr, iso-2022-jp) carry state across chunks and are
 * not offered.
 */
const SUPPORTED = new Set([
  'utf-16le',
  'utf-16be',
  'ibm866',
  'iso-8859-2',
  'iso-8859-3',
  'iso-8859-4',
  'iso-8859-5',
  'iso-8859-6',
  'iso-8859-7',
  'iso-8859-8',
  'iso-8859-8-i',
  'iso-8859-10',
  'iso-8859-13',
  'iso-8859-14',
  'iso-8859-15',
  'iso-8859-16',
  'koi8-r',
  'koi8-u',
  'macintosh',
  'windows-874',
  'windows-1250',
  'windows-1251',
  'windows-1252',
  'windows-1253',
  'windows-1254',
  'windows-1255',
  'windows-1256',
  'windows-1257',
  'windows-1258',
  'x-mac-cyrillic',
])

/** The canonical name of a label, or '' when the guest does not support it. */
export function encodingName(label: string): string {
  let name: string
  try {
    name = new TextDecoder(label).encoding
  } catch {
    return ''
  }
  return SUPPORTED.has(name) ? name : ''
}

const decoders = new Map<string, TextDecoder>()

/** Decodes one whole chunk (BOM handling is the guest's); throws on bad data when fatal. */
export function decodeLegacy(name: string, bytes: Uint8Array, fatal: boolean): string {
  if (!SUPPORTED.has(name)) throw new Error(`unsupported encoding ${name}`)
  const key = `${name}:${fatal}`
  let decoder = decoders.get(key)
  if (!decoder) {
    decoder = new TextDecoder(name, { fatal, ignoreBOM: true })
    decoders.set(key, decoder)
  }
  return decoder.decode(bytes)
}
