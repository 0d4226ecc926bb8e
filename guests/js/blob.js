// Blob and File: immutable bytes with a type (and a name). Parts are copied at construction.

const blobBytes = new WeakMap()

function blobPart(part) {
  if (part instanceof Blob) return blobBytes.get(part)
  if (isBufferSource(part)) return copyBytes(part)
  return utf8Encode(String(part))
}

/** The type as the File API keeps it: lower-cased, empty if it holds anything but printable ASCII. */
function blobType(type) {
  const t = type === undefined ? '' : String(type)
  return /[^\x20-\x7e]/.test(t) ? '' : t.toLowerCase()
}

function relativeIndex(value, size, fallback) {
  if (value === undefined) return fallback
  const n = Math.trunc(Number(value)) || 0
  return n < 0 ? Math.max(size + n, 0) : Math.min(n, size)
}

class Blob {
  #type
  constructor(parts = [], options = {}) {
    if (typeof parts !== 'object' || parts === null || typeof parts[Symbol.iterator] !== 'function')
      throw typeError(
        "Failed to construct 'Blob': The provided value cannot be converted to a sequence.",
      )
    blobBytes.set(this, concatBytes(Array.from(parts, blobPart)))
    this.#type = blobType(options?.type)
  }
  get size() {
    return blobBytes.get(this).byteLength
  }
  get type() {
    return this.#type
  }
  slice(start, end, type) {
    const bytes = blobBytes.get(this)
    const from = relativeIndex(start, bytes.length, 0)
    const to = relativeIndex(end, bytes.length, bytes.length)
    return new Blob([bytes.subarray(from, Math.max(from, to))], { type: type ?? '' })
  }
  async text() {
    return utf8Decode(blobBytes.get(this))
  }
  async arrayBuffer() {
    return exactBuffer(blobBytes.get(this).slice())
  }
  async bytes() {
    return blobBytes.get(this).slice()
  }
  stream() {
    return unit('streams').bytesStream(blobBytes.get(this).slice())
  }
  get [Symbol.toStringTag]() {
    return 'Blob'
  }
  [inspectCustom]() {
    return `Blob { size: ${this.size}, type: '${this.type}' }`
  }
}

class File extends Blob {
  #name
  #lastModified
  constructor(parts, name, options = {}) {
    if (arguments.length < 2) throw typeError("Failed to construct 'File': 2 arguments required.")
    super(parts, options)
    this.#name = wellFormed(String(name))
    this.#lastModified =
      options?.lastModified === undefined
        ? Date.now()
        : Math.trunc(Number(options.lastModified)) || 0
  }
  get name() {
    return this.#name
  }
  get lastModified() {
    return this.#lastModified
  }
  get [Symbol.toStringTag]() {
    return 'File'
  }
  [inspectCustom]() {
    return `File { name: '${this.name}', size: ${this.size}, type: '${this.type}' }`
  }
}

/** The bytes of a Blob (no copy: Blobs are immutable). */
function bytesOfBlob(blob) {
  return blobBytes.get(blob)
}
