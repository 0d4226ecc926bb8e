// The built-ins the prelude calls, captured before any guest code runs (this file comes first).
// A guest may replace JSON.stringify, Object.keys, Promise.all or the global Promise itself in
// its own realm; the prelude's names below are bound to the originals, so the host's request and
// answer paths never run guest code through a built-in. Namespaces (JSON, Math, Reflect) are
// shadowed by frozen copies; constructors keep their identity (instanceof works) and their static
// methods are captured by name.

// Runs before the consts below exist, so it names the global built-ins directly.
function frozenCopy(namespace) {
  const copy = {}
  for (const key of globalThis.Reflect.ownKeys(namespace)) copy[key] = namespace[key]
  return globalThis.Object.freeze(copy)
}

const JSON = frozenCopy(globalThis.JSON)
const Math = frozenCopy(globalThis.Math)
const Reflect = frozenCopy(globalThis.Reflect)

const Object = globalThis.Object
const Array = globalThis.Array
const Promise = globalThis.Promise
const String = globalThis.String
const Number = globalThis.Number
const ArrayBuffer = globalThis.ArrayBuffer
const Uint8Array = globalThis.Uint8Array
const Error = globalThis.Error
const TypeError = globalThis.TypeError
const RangeError = globalThis.RangeError
const Date = globalThis.Date
const Map = globalThis.Map
const Set = globalThis.Set
const WeakMap = globalThis.WeakMap
const Symbol = globalThis.Symbol

const objectKeys = Object.keys
const objectValues = Object.values
const objectEntries = Object.entries
const objectFromEntries = Object.fromEntries
const objectAssign = Object.assign
const objectFreeze = Object.freeze
const objectIs = Object.is
const objectHasOwn = Object.hasOwn
const objectDefineProperty = Object.defineProperty
const objectGetPrototypeOf = Object.getPrototypeOf
const arrayFrom = Array.from
const arrayIsArray = Array.isArray
const arrayBufferIsView = ArrayBuffer.isView
const numberIsNaN = Number.isNaN
const numberIsInteger = Number.isInteger
const numberIsFinite = Number.isFinite
const stringFromCharCode = String.fromCharCode
const stringFromCodePoint = String.fromCodePoint
const dateNow = Date.now
const promiseStatics = { resolve: Promise.resolve, reject: Promise.reject, all: Promise.all }
const promiseResolve = (v) => Reflect.apply(promiseStatics.resolve, Promise, [v])
const promiseReject = (e) => Reflect.apply(promiseStatics.reject, Promise, [e])
const promiseAll = (list) => Reflect.apply(promiseStatics.all, Promise, [list])
