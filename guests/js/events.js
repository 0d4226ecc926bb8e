const DOM_EXCEPTION_CODES = {
  IndexSizeError: 1,
  HierarchyRequestError: 3,
  WrongDocumentError: 4,
  InvalidCharacterError: 5,
  NoModificationAllowedError: 7,
  NotFoundError: 8,
  NotSupportedError: 9,
  InvalidStateError: 11,
  SyntaxError: 12,
  InvalidModificationError: 13,
  NamespaceError: 14,
  InvalidAccessError: 15,
  TypeMismatchError: 17,
  SecurityError: 18,
  NetworkError: 19,
  AbortError: 20,
  URLMismatchError: 21,
  QuotaExceededError: 22,
  TimeoutError: 23,
  InvalidNodeTypeError: 24,
  DataCloneError: 25,
}

class DOMException extends Error {
  #name
  constructor(message = '', name = 'Error') {
    super(String(message))
    this.#name = String(name)
  }
  get name() {
    return this.#name
  }
  get code() {
    return DOM_EXCEPTION_CODES[this.#name] ?? 0
  }
}

const eventState = new WeakMap()

class Event {
  constructor(type, init = {}) {
    if (arguments.length === 0) throw typeError("Event constructor requires a 'type' argument")
    eventState.set(this, {
      type: String(type),
      bubbles: Boolean(init.bubbles),
      cancelable: Boolean(init.cancelable),
      composed: Boolean(init.composed),
      defaultPrevented: false,
      stop: false,
      stopImmediate: false,
      target: null,
      currentTarget: null,
      timeStamp: host.now(),
      phase: 0,
    })
  }
  get type() {
    return eventState.get(this).type
  }
  get bubbles() {
    return eventState.get(this).bubbles
  }
  get cancelable() {
    return eventState.get(this).cancelable
  }
  get composed() {
    return eventState.get(this).composed
  }
  get defaultPrevented() {
    return eventState.get(this).defaultPrevented
  }
  get target() {
    return eventState.get(this).target
  }
  get srcElement() {
    return eventState.get(this).target
  }
  get currentTarget() {
    return eventState.get(this).currentTarget
  }
  get eventPhase() {
    return eventState.get(this).phase
  }
  get timeStamp() {
    return eventState.get(this).timeStamp
  }
  get isTrusted() {
    return false
  }
  get returnValue() {
    return !eventState.get(this).defaultPrevented
  }
  composedPath() {
    const s = eventState.get(this)
    return s.currentTarget ? [s.currentTarget] : []
  }
  preventDefault() {
    const s = eventState.get(this)
    if (s.cancelable) s.defaultPrevented = true
  }
  stopPropagation() {
    eventState.get(this).stop = true
  }
  stopImmediatePropagation() {
    const s = eventState.get(this)
    s.stop = true
    s.stopImmediate = true
  }
}
objectAssign(Event, { NONE: 0, CAPTURING_PHASE: 1, AT_TARGET: 2, BUBBLING_PHASE: 3 })

const listenersOf = new WeakMap()

function listenerOptions(options) {
  if (typeof options === 'boolean') return { capture: options, once: false, signal: undefined }
  const o = options ?? {}
  return { capture: Boolean(o.capture), once: Boolean(o.once), signal: o.signal }
}

class EventTarget {
  constructor() {
    listenersOf.set(this, new Map())
  }
  addEventListener(type, callback, options) {
    if (callback == null) return
    const { capture, once, signal } = listenerOptions(options)
    if (signal?.aborted) return
    const map = listenersOf.get(this)
    const list = map.get(String(type)) ?? []
    if (list.some((l) => l.callback === callback && l.capture === capture)) return
    const entry = { callback, capture, once, removed: false }
    list.push(entry)
    map.set(String(type), list)
    signal?.addEventListener('abort', () => this.removeEventListener(type, callback, { capture }))
  }
  removeEventListener(type, callback, options) {
    const { capture } = listenerOptions(options)
    const map = listenersOf.get(this)
    const list = map.get(String(type))
    if (!list) return
    const i = list.findIndex((l) => l.callback === callback && l.capture === capture)
    if (i < 0) return
    list[i].removed = true
    list.splice(i, 1)
  }
  dispatchEvent(event) {
    if (!(event instanceof Event)) throw typeError("parameter 1 is not of type 'Event'")
    const s = eventState.get(event)
    s.target = this
    s.currentTarget = this
    s.phase = 2
    const list = [...(listenersOf.get(this).get(s.type) ?? [])]
    for (const l of list) {
      if (l.removed) continue
      if (l.once) this.removeEventListener(s.type, l.callback, { capture: l.capture })
      try {
        if (typeof l.callback === 'function') l.callback.call(this, event)
        else l.callback.handleEvent(event)
      } catch (e) {
        reportUncaught(e)
      }
      if (s.stopImmediate) break
    }
    s.currentTarget = null
    s.phase = 0
    return !s.defaultPrevented
  }
}

function defineEventHandler(proto, name) {
  const handlers = new WeakMap()
  objectDefineProperty(proto, 'on' + name, {
    get() {
      return handlers.get(this)?.fn ?? null
    },
    set(fn) {
      const prev = handlers.get(this)
      if (prev) this.removeEventListener(name, prev.listener)
      if (typeof fn !== 'function') {
        handlers.delete(this)
        return
      }
      const listener = (e) => fn.call(this, e)
      handlers.set(this, { fn, listener })
      this.addEventListener(name, listener)
    },
    configurable: true,
  })
}

const signalState = new WeakMap()
const makingSignal = Symbol('signal')

class AbortSignal extends EventTarget {
  constructor(key) {
    if (key !== makingSignal) throw typeError('Illegal constructor')
    super()
    signalState.set(this, { aborted: false, reason: undefined })
  }
  get aborted() {
    return signalState.get(this).aborted
  }
  get reason() {
    return signalState.get(this).reason
  }
  throwIfAborted() {
    const s = signalState.get(this)
    if (s.aborted) throw s.reason
  }
  static abort(reason) {
    const signal = new AbortSignal(makingSignal)
    abortSignal(signal, reason)
    return signal
  }
  static timeout(ms) {
    const signal = new AbortSignal(makingSignal)
    setTimeout(
      () => abortSignal(signal, new DOMException('The operation timed out.', 'TimeoutError')),
      ms,
    )
    return signal
  }
  static any(signals) {
    const signal = new AbortSignal(makingSignal)
    for (const s of signals) {
      if (s.aborted) {
        abortSignal(signal, s.reason)
        return signal
      }
    }
    for (const s of signals) s.addEventListener('abort', () => abortSignal(signal, s.reason))
    return signal
  }
}
defineEventHandler(AbortSignal.prototype, 'abort')

function newAbortSignal() {
  return new AbortSignal(makingSignal)
}

function abortSignal(signal, reason) {
  const s = signalState.get(signal)
  if (s.aborted) return
  s.aborted = true
  s.reason =
    reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason
  signal.dispatchEvent(new Event('abort'))
}

class AbortController {
  #signal = new AbortSignal(makingSignal)
  get signal() {
    return this.#signal
  }
  abort(reason) {
    abortSignal(this.#signal, reason)
  }
}
