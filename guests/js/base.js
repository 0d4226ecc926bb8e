// Shared helpers of the fnhost prelude. The core files of guests/js are concatenated, in the
// order host/sandbox/quickjs/prelude.ts lists, into one function body that receives `host` (the
// host calls) and `init` (the function's settings); nothing here is reachable from guest code
// except through the globals that globals.js installs.
//
// The other files are units, compiled only when first needed (compiling everything up front
// would double the cost of every sandbox): a direct eval inside unit() runs a unit's source in
// this scope, so it sees these helpers, and its completion value lists its exports.

const inspectCustom = Symbol.for('nodejs.util.inspect.custom')

/** Strings cross to the host as C strings, which end at U+0000; one holding it goes as JSON. */
function toHost(s) {
  return s.includes('\0') ? [JSON.stringify(s)] : s
}

function fromHost(v) {
  return typeof v === 'string' ? v : JSON.parse(v[0])
}

function defineGlobal(name, value) {
  objectDefineProperty(globalThis, name, { value, writable: true, configurable: true })
}

const loadedUnits = {}
const intrinsicEval = globalThis.eval

/** A unit's exports, compiling it on first use. */
function unit(name) {
  if (loadedUnits[name]) return loadedUnits[name]
  // Direct eval only works while the global `eval` is the intrinsic one; guest code may have
  // replaced it, so put it back for the duration.
  const current = globalThis.eval
  globalThis.eval = intrinsicEval
  try {
    return (loadedUnits[name] = eval(host.unit(name)))
  } finally {
    globalThis.eval = current
  }
}

/** A unit's exports if something already needed it: no instance of its classes exists otherwise. */
function loadedUnit(name) {
  return loadedUnits[name]
}

/** A global whose unit is compiled when guest code first touches it. */
function defineLazyGlobal(name, unitName) {
  objectDefineProperty(globalThis, name, {
    get() {
      const value = unit(unitName)[name]
      defineGlobal(name, value)
      return value
    },
    set(value) {
      defineGlobal(name, value)
    },
    configurable: true,
  })
}

function domException(message, name) {
  return new (unit('events').DOMException)(message, name)
}

function constructorName(v) {
  try {
    const proto = objectGetPrototypeOf(v)
    if (proto === null) return '[Object: null prototype]'
    const name = proto.constructor?.name
    return typeof name === 'string' ? name : ''
  } catch {
    return ''
  }
}

function typeError(message) {
  return new TypeError(message)
}

function isBufferSource(value) {
  return value instanceof ArrayBuffer || arrayBufferIsView(value)
}

/** A Uint8Array over a BufferSource's bytes (no copy). */
function bytesOf(value) {
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  if (arrayBufferIsView(value))
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  throw typeError('expected an ArrayBuffer or ArrayBufferView')
}

/** An ArrayBuffer holding exactly these bytes, as the host calls expect. */
function exactBuffer(bytes) {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
}

function copyBytes(value) {
  return new Uint8Array(bytesOf(value))
}

function concatBytes(chunks) {
  let size = 0
  for (const c of chunks) size += c.byteLength
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}

function describeError(e) {
  if (e && typeof e === 'object') {
    let name = 'Error'
    let message = ''
    let stack = ''
    try {
      name = String(e.name ?? 'Error')
      message = String(e.message ?? '')
      stack = typeof e.stack === 'string' ? e.stack : ''
    } catch {
      message = 'an exception whose properties throw'
    }
    return { name, message, stack }
  }
  let message
  try {
    message = typeof e === 'string' ? e : unit('console').inspect(e)
  } catch {
    message = 'an exception that cannot be shown'
  }
  return { name: 'Uncaught', message, stack: '' }
}

/** Errors nobody awaits (timer callbacks, queueMicrotask) fail the invocation that owns them. */
function reportUncaught(e) {
  const d = describeError(e)
  host.uncaught(d.name, d.message, d.stack)
}
