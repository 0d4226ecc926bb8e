function dataCloneError(what) {
  return domException(`${what} could not be cloned.`, 'DataCloneError')
}

const ERROR_TYPES = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
}

/** The structured clone algorithm over the types a guest can build (no transfer). */
function structuredClone(value, options) {
  if (options?.transfer?.length) throw dataCloneError('Transferred objects')
  const memory = new Map()
  const clone = (v) => {
    if (typeof v === 'symbol') throw dataCloneError(String(v))
    if (typeof v === 'function') throw dataCloneError(unit('console').inspect(v))
    if (typeof v !== 'object' || v === null) return v
    if (memory.has(v)) return memory.get(v)
    let out
    if (v instanceof Boolean || v instanceof Number || v instanceof String || v instanceof BigInt)
      out = Object(v.valueOf())
    else if (v instanceof Date) out = new Date(v.getTime())
    else if (v instanceof RegExp) out = new RegExp(v.source, v.flags)
    else if (v instanceof ArrayBuffer) out = v.slice(0)
    else if (v instanceof DataView) out = new DataView(clone(v.buffer), v.byteOffset, v.byteLength)
    else if (arrayBufferIsView(v)) {
      const view = /** @type {any} */ (v)
      out = new view.constructor(clone(view.buffer), view.byteOffset, view.length)
    } else if (v instanceof Error) {
      const Ctor = ERROR_TYPES[v.name] ?? Error
      out = new Ctor(v.message)
      memory.set(v, out)
      if (typeof v.stack === 'string')
        objectDefineProperty(out, 'stack', { value: v.stack, writable: true, configurable: true })
      if ('cause' in v) out.cause = clone(v.cause)
      return out
    } else if (v instanceof Map) {
      out = new Map()
      memory.set(v, out)
      for (const [k, x] of v) out.set(clone(k), clone(x))
      return out
    } else if (v instanceof Set) {
      out = new Set()
      memory.set(v, out)
      for (const x of v) out.add(clone(x))
      return out
    } else if (arrayIsArray(v)) {
      out = new Array(v.length)
      memory.set(v, out)
      for (const k of objectKeys(v)) out[k] = clone(v[k])
      return out
    } else {
      const proto = objectGetPrototypeOf(v)
      if (proto !== Object.prototype && proto !== null)
        throw dataCloneError(unit('console').inspect(v))
      out = {}
      memory.set(v, out)
      for (const k of objectKeys(v)) out[k] = clone(v[k])
      return out
    }
    memory.set(v, out)
    return out
  }
  return clone(value)
}
