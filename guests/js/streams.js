// A small ReadableStream: enough for frameworks that pass `response.body` into a new Response,
// for handlers that stream a few chunks, and for reading bodies with getReader() or for-await.
// Bodies are buffered in the end anyway: the host sends a response once it is complete.

const streamState = new WeakMap()

function chunkBytes(chunk) {
  if (typeof chunk === 'string') return utf8Encode(chunk)
  if (isBufferSource(chunk)) return copyBytes(chunk)
  throw typeError('a body stream chunk must be a Uint8Array, an ArrayBuffer or a string')
}

class ReadableStream {
  constructor(source = {}) {
    const state = {
      queue: [],
      closed: false,
      error: null,
      waiters: [],
      locked: false,
      disturbed: false,
      source,
      bytes: null,
    }
    streamState.set(this, state)
    const controller = {
      enqueue: (chunk) => {
        if (state.closed) throw typeError('the stream is closed')
        const w = state.waiters.shift()
        if (w) w.resolve({ value: chunk, done: false })
        else state.queue.push(chunk)
      },
      close: () => {
        state.closed = true
        for (const w of state.waiters.splice(0)) w.resolve({ value: undefined, done: true })
      },
      error: (e) => {
        state.error = { reason: e }
        for (const w of state.waiters.splice(0)) w.reject(e)
      },
      get desiredSize() {
        return state.closed ? 0 : 1 - state.queue.length
      },
    }
    state.controller = controller
    if (typeof source.start === 'function') {
      const started = source.start(controller)
      if (started && typeof started.then === 'function') started.then(undefined, controller.error)
    }
  }
  get locked() {
    return streamState.get(this).locked
  }
  getReader() {
    const state = streamState.get(this)
    if (state.locked) throw typeError('ReadableStream is already locked to a reader')
    state.locked = true
    let released = false
    const read = () => {
      if (released) return promiseReject(typeError('the reader was released'))
      state.disturbed = true
      if (state.queue.length) return promiseResolve({ value: state.queue.shift(), done: false })
      if (state.error) return promiseReject(state.error.reason)
      if (state.closed) return promiseResolve({ value: undefined, done: true })
      return new Promise((resolve, reject) => {
        state.waiters.push({ resolve, reject })
        if (typeof state.source.pull === 'function') {
          try {
            const pulled = state.source.pull(state.controller)
            if (pulled && typeof pulled.then === 'function')
              pulled.then(undefined, state.controller.error)
          } catch (e) {
            state.controller.error(e)
          }
        }
      })
    }
    return {
      read,
      releaseLock() {
        released = true
        state.locked = false
      },
      cancel: (reason) => this.#cancel(reason),
      get closed() {
        return promiseResolve(undefined)
      },
    }
  }
  cancel(reason) {
    if (this.locked) return promiseReject(typeError('cannot cancel a locked stream'))
    return this.#cancel(reason)
  }
  #cancel(reason) {
    const state = streamState.get(this)
    state.disturbed = true
    state.queue = []
    state.controller.close()
    if (typeof state.source.cancel === 'function')
      return promiseResolve(state.source.cancel(reason)).then(() => undefined)
    return promiseResolve(undefined)
  }
  tee() {
    const reader = this.getReader()
    const branches = []
    let pulling = null
    const pull = () =>
      (pulling ??= reader.read().then(({ value, done }) => {
        pulling = null
        for (const c of branches) {
          if (done) c.close()
          else c.enqueue(value)
        }
      }))
    const branch = () => new ReadableStream({ start: (c) => branches.push(c), pull })
    return [branch(), branch()]
  }
  /** Pipes into a transform's writable side ({ writable, readable }) and returns its readable. */
  pipeThrough(transform) {
    this.pipeTo(transform.writable).catch(() => {})
    return transform.readable
  }
  async pipeTo(destination) {
    const writer = destination.getWriter()
    try {
      for await (const chunk of this) await writer.write(chunk)
    } catch (e) {
      await writer.abort(e)
      throw e
    }
    await writer.close()
    writer.releaseLock()
  }
  async *values() {
    const reader = this.getReader()
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        yield value
      }
    } finally {
      reader.releaseLock()
    }
  }
  [Symbol.asyncIterator]() {
    return this.values()
  }
}

/** A stream over bytes already in memory; a Response built from it takes the bytes directly. */
function bytesStream(bytes) {
  const stream = new ReadableStream({
    start(c) {
      if (bytes.byteLength) c.enqueue(bytes)
      c.close()
    },
  })
  streamState.get(stream).bytes = bytes
  return stream
}

function streamIsDisturbed(stream) {
  const s = streamState.get(stream)
  return s.disturbed || s.locked
}

/** The bytes of an untouched bytesStream, without reading it (and marks it used). */
function takeStreamBytes(stream) {
  const s = streamState.get(stream)
  if (s.bytes === null || s.disturbed || s.locked) return null
  s.disturbed = true
  return s.bytes
}

async function readStream(stream) {
  const direct = takeStreamBytes(stream)
  if (direct) return direct
  const chunks = []
  for await (const chunk of stream) chunks.push(chunkBytes(chunk))
  return concatBytes(chunks)
}
