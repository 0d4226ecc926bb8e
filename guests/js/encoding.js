// UTF-8 runs in the host (native speed); short strings stay in the guest, where a host call
// would cost more than the loop.
const SMALL_TEXT = 64

function wellFormed(s) {
  return s.isWellFormed() ? s : s.toWellFormed()
}

function utf8Encode(input) {
  const s = wellFormed(String(input))
  if (s.length > SMALL_TEXT) return new Uint8Array(host.utf8Encode(toHost(s)))
  const out = []
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i)
    if (c < 0x80) out.push(c)
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63))
    else if (c >= 0xd800 && c <= 0xdbff) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00)
      out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
    } else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
  }
  return new Uint8Array(out)
}

/** WHATWG UTF-8 decode: each maximal invalid subpart becomes U+FFFD, or a TypeError if fatal. */
function utf8Decode(bytes, fatal = false) {
  if (bytes.byteLength > SMALL_TEXT) {
    try {
      return fromHost(host.utf8Decode(exactBuffer(bytes), fatal ? 1 : 0))
    } catch {
      throw typeError('The encoded data was not valid for encoding utf-8')
    }
  }
  let out = ''
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]
    if (b < 0x80) {
      out += stringFromCharCode(b)
      i++
      continue
    }
    let need = 0
    let cp = 0
    let lower = 0x80
    let upper = 0xbf
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1
      cp = b & 0x1f
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2
      cp = b & 0xf
      if (b === 0xe0) lower = 0xa0
      if (b === 0xed) upper = 0x9f
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3
      cp = b & 0x7
      if (b === 0xf0) lower = 0x90
      if (b === 0xf4) upper = 0x8f
    }
    let j = i + 1
    let ok = need > 0
    for (let k = 0; ok && k < need; k++, j++) {
      const c = bytes[j]
      if (c === undefined || c < lower || c > upper) ok = false
      else cp = (cp << 6) | (c & 0x3f)
      lower = 0x80
      upper = 0xbf
    }
    if (!ok) {
      if (fatal) throw typeError('The encoded data was not valid for encoding utf-8')
      out += '\ufffd'
      i = need > 0 ? Math.max(i + 1, j - 1) : i + 1
      continue
    }
    out += stringFromCodePoint(cp)
    i = j
  }
  return out
}

/** Bytes at the end of `bytes` that start a UTF-8 sequence the next chunk must finish. */
function incompleteTail(bytes) {
  const n = bytes.length
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]
    if ((b & 0xc0) === 0x80) continue
    const len = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 1
    return len > back ? back : 0
  }
  return 0
}

const UTF8_LABELS = [
  'utf-8',
  'utf8',
  'unicode-1-1-utf-8',
  'unicode11utf8',
  'unicode20utf8',
  'x-unicode20utf8',
]

class TextEncoder {
  get encoding() {
    return 'utf-8'
  }
  encode(input = '') {
    return utf8Encode(input)
  }
  encodeInto(source, destination) {
    const s = wellFormed(String(source))
    let read = 0
    let written = 0
    for (const ch of s) {
      const bytes = utf8Encode(ch)
      if (written + bytes.length > destination.length) break
      destination.set(bytes, written)
      written += bytes.length
      read += ch.length
    }
    return { read, written }
  }
}

/** Byte order marks a TextDecoder strips (unless ignoreBOM) for the Unicode encodings. */
const BOMS = {
  'utf-8': [0xef, 0xbb, 0xbf],
  'utf-16le': [0xff, 0xfe],
  'utf-16be': [0xfe, 0xff],
}

/** The canonical name of a supported encoding label (the host knows WHATWG's label table). */
function encodingOf(label) {
  const l = String(label).trim().toLowerCase()
  if (UTF8_LABELS.includes(l)) return 'utf-8'
  const name = host.encodingName(toHost(l))
  if (name === '') throw new RangeError(`The "${label}" encoding is not supported`)
  return name
}

/** Bytes at the end of a UTF-16 chunk the next chunk must finish: an odd byte, a lead surrogate. */
function utf16Tail(bytes, bigEndian) {
  const odd = bytes.length % 2
  const end = bytes.length - odd
  if (end < 2) return odd
  const unit = bigEndian
    ? (bytes[end - 2] << 8) | bytes[end - 1]
    : (bytes[end - 1] << 8) | bytes[end - 2]
  return unit >= 0xd800 && unit <= 0xdbff ? odd + 2 : odd
}

class TextDecoder {
  #encoding
  #fatal
  #ignoreBOM
  #pending = null
  #started = false
  constructor(label = 'utf-8', options = {}) {
    this.#encoding = encodingOf(label)
    this.#fatal = Boolean(options.fatal)
    this.#ignoreBOM = Boolean(options.ignoreBOM)
  }
  get encoding() {
    return this.#encoding
  }
  get fatal() {
    return this.#fatal
  }
  get ignoreBOM() {
    return this.#ignoreBOM
  }
  decode(input, options = {}) {
    let bytes = input === undefined ? new Uint8Array(0) : bytesOf(input)
    if (this.#pending) bytes = concatBytes([this.#pending, bytes])
    this.#pending = null
    const stream = Boolean(options.stream)
    const name = this.#encoding
    if (stream) {
      const tail =
        name === 'utf-8'
          ? incompleteTail(bytes)
          : name === 'utf-16le' || name === 'utf-16be'
            ? utf16Tail(bytes, name === 'utf-16be')
            : 0
      if (tail) {
        this.#pending = bytes.slice(bytes.length - tail)
        bytes = bytes.subarray(0, bytes.length - tail)
      }
    }
    const bom = BOMS[name]
    if (bom && !this.#started && !this.#ignoreBOM) {
      if (
        stream &&
        bytes.length < bom.length &&
        bom.slice(0, bytes.length).every((b, i) => bytes[i] === b)
      ) {
        this.#pending = concatBytes([bytes, this.#pending ?? new Uint8Array(0)])
        return ''
      }
      if (bom.every((b, i) => bytes[i] === b)) bytes = bytes.subarray(bom.length)
    }
    this.#started = stream
    if (name === 'utf-8') return utf8Decode(bytes, this.#fatal)
    try {
      return fromHost(host.decode(name, exactBuffer(bytes), this.#fatal ? 1 : 0))
    } catch {
      throw typeError(`The encoded data was not valid for encoding ${name}`)
    }
  }
}

const ASCII_WHITESPACE = /[\t\n\f\r ]/g

function btoa(data) {
  if (arguments.length === 0) throw typeError('btoa requires 1 argument')
  const s = String(data)
  if (/[^\x00-\xff]/.test(s))
    throw domException(
      'The string to be encoded contains characters outside of the Latin1 range.',
      'InvalidCharacterError',
    )
  return host.btoa(toHost(s))
}

function atob(data) {
  if (arguments.length === 0) throw typeError('atob requires 1 argument')
  let s = String(data).replace(ASCII_WHITESPACE, '')
  if (s.length % 4 === 0) s = s.replace(/==?$/, '')
  if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s))
    throw domException(
      'The string to be decoded is not correctly encoded.',
      'InvalidCharacterError',
    )
  return fromHost(host.atob(s))
}
