// CompressionStream and DecompressionStream (gzip, deflate, deflate-raw). The host's zlib does
// the work once the writable side closes: bodies are buffered in the end anyway, and one host
// call per stream costs less than one per chunk. Decompressed output is capped at the function's
// memory, so a small bomb cannot grow past what the guest could hold.

const COMPRESSION_FORMATS = ['gzip', 'deflate', 'deflate-raw']

/** A minimal WritableStream: a writer whose writes collect chunks until close. */
function collectingWritable(onClose) {
  const chunks = []
  let closed = false
  let locked = false
  const write = (chunk) => {
    if (closed) return Promise.reject(typeError('the stream is closed'))
    if (!isBufferSource(chunk))
      return Promise.reject(
        typeError('a compression stream chunk must be an ArrayBuffer or a view of one'),
      )
    chunks.push(copyBytes(chunk))
    return Promise.resolve()
  }
  const close = () => {
    if (closed) return Promise.reject(typeError('the stream is closed'))
    closed = true
    onClose(concatBytes(chunks))
    return Promise.resolve()
  }
  return {
    get locked() {
      return locked
    },
    getWriter() {
      if (locked) throw typeError('WritableStream is already locked to a writer')
      locked = true
      return {
        write,
        close,
        abort: () => close(),
        releaseLock: () => void (locked = false),
        get ready() {
          return Promise.resolve()
        },
        get closed() {
          return Promise.resolve()
        },
        get desiredSize() {
          return 1
        },
      }
    },
    close,
    abort: () => close(),
  }
}

function codecStream(kind, format) {
  const name = String(format)
  if (!COMPRESSION_FORMATS.includes(name))
    throw typeError(`Unsupported compression format: '${name}' (use gzip, deflate or deflate-raw)`)
  let controller
  const readable = new (unit('streams').ReadableStream)({ start: (c) => (controller = c) })
  const writable = collectingWritable((bytes) => {
    try {
      const out = new Uint8Array(host.zlib(kind, name, exactBuffer(bytes)))
      if (out.byteLength) controller.enqueue(out)
      controller.close()
    } catch (e) {
      controller.error(
        typeError(`${kind === 'compress' ? 'Compression' : 'Decompression'} failed: ${e.message}`),
      )
    }
  })
  return { readable, writable }
}

class CompressionStream {
  #parts
  constructor(format) {
    this.#parts = codecStream('compress', format)
  }
  get readable() {
    return this.#parts.readable
  }
  get writable() {
    return this.#parts.writable
  }
}

class DecompressionStream {
  #parts
  constructor(format) {
    this.#parts = codecStream('decompress', format)
  }
  get readable() {
    return this.#parts.readable
  }
  get writable() {
    return this.#parts.writable
  }
}
