// console.* goes to the invocation's log through the host. Formatting follows Node's
// util.inspect closely enough to read, and stops once the host says the log is full.

const INSPECT_DEPTH = 2
const MAX_ITEMS = 100

function quote(s) {
  return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'"
}

function formatKey(k) {
  if (typeof k === 'symbol') return '[' + k.toString() + ']'
  return /^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k)
}

function formatItems(items, open, close, prefix) {
  if (items.length === 0) return prefix + open + close
  const inner = items.join(', ')
  return prefix + open + ' ' + inner + ' ' + close
}

function inspect(value, depth = INSPECT_DEPTH, seen = [], nested = false) {
  switch (typeof value) {
    case 'string':
      return nested ? quote(value) : value
    case 'number':
      return objectIs(value, -0) ? '-0' : String(value)
    case 'bigint':
      return value + 'n'
    case 'symbol':
      return value.toString()
    case 'undefined':
      return 'undefined'
    case 'boolean':
      return String(value)
    case 'function': {
      const src = Function.prototype.toString.call(value)
      if (src.startsWith('class')) return `[class ${value.name || '(anonymous)'}]`
      return `[Function: ${value.name || '(anonymous)'}]`
    }
  }
  if (value === null) return 'null'
  if (seen.includes(value)) return '[Circular]'
  if (typeof value[inspectCustom] === 'function') return String(value[inspectCustom]())
  if (value instanceof Error) {
    const stack =
      typeof value.stack === 'string' && value.stack ? '\n' + value.stack.replace(/\n$/, '') : ''
    return `${value.name}: ${value.message}${stack}`
  }
  if (value instanceof Date)
    return numberIsNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
  if (value instanceof RegExp) return String(value)
  if (value instanceof Promise) return 'Promise { <unknown> }'
  if (value instanceof WeakMap || value instanceof WeakSet)
    return `${constructorName(value)} { <items unknown> }`
  const next = [...seen, value]
  const sub = (v) =>
    depth <= 0 && typeof v === 'object' && v !== null
      ? arrayIsArray(v)
        ? '[Array]'
        : '[Object]'
      : inspect(v, depth - 1, next, true)
  const name = constructorName(value)
  if (arrayIsArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map(sub)
    if (value.length > MAX_ITEMS) items.push(`... ${value.length - MAX_ITEMS} more items`)
    return formatItems(items, '[', ']', name === 'Array' ? '' : name + ' ')
  }
  if (arrayBufferIsView(value) && !(value instanceof DataView)) {
    const typed = /** @type {Uint8Array} */ (value)
    const items = arrayFrom(typed.slice(0, MAX_ITEMS), (v) => inspect(v))
    if (typed.length > MAX_ITEMS) items.push(`... ${typed.length - MAX_ITEMS} more items`)
    return formatItems(items, '[', ']', `${name}(${typed.length}) `)
  }
  if (value instanceof ArrayBuffer) return `ArrayBuffer { byteLength: ${value.byteLength} }`
  if (value instanceof Map) {
    const items = [...value].slice(0, MAX_ITEMS).map(([k, v]) => sub(k) + ' => ' + sub(v))
    return formatItems(items, '{', '}', `Map(${value.size}) `)
  }
  if (value instanceof Set)
    return formatItems([...value].slice(0, MAX_ITEMS).map(sub), '{', '}', `Set(${value.size}) `)
  const keys = Reflect.ownKeys(value).filter((k) =>
    Object.prototype.propertyIsEnumerable.call(value, k),
  )
  const items = keys.slice(0, MAX_ITEMS).map((k) => {
    let v
    try {
      v = value[k]
    } catch {
      v = '[Getter threw]'
    }
    return formatKey(k) + ': ' + sub(v)
  })
  return formatItems(items, '{', '}', name === 'Object' ? '' : name + ' ')
}

function formatLog(args) {
  let first = args[0]
  let rest = 1
  if (typeof first === 'string' && first.includes('%') && args.length > 1) {
    first = first.replace(/%([sdifjoOc%])/g, (m, f) => {
      if (f === '%') return '%'
      if (rest >= args.length) return m
      const a = args[rest++]
      switch (f) {
        case 's':
          return typeof a === 'string' ? a : inspect(a, 1, [], typeof a === 'object')
        case 'd':
        case 'i': {
          const n = typeof a === 'bigint' ? a : Number(a)
          return typeof n === 'bigint' ? n + 'n' : String(f === 'i' ? Math.trunc(n) : n)
        }
        case 'f':
          return String(parseFloat(a))
        case 'j':
          try {
            return JSON.stringify(a)
          } catch {
            return '[Circular]'
          }
        case 'c':
          return ''
        default:
          return inspect(a, 4, [], true)
      }
    })
  }
  const parts = [typeof first === 'string' ? first : inspect(first)]
  for (let i = rest; i < args.length; i++) parts.push(inspect(args[i]))
  return parts.join(' ')
}

let groupIndent = ''
const counters = new Map()
const timersByLabel = new Map()

function emit(level, args) {
  if (host.logFull()) return
  const text = args.length === 0 ? '' : formatLog(args)
  host.log(level, toHost(groupIndent ? text.replace(/^/gm, groupIndent) : text))
}

const console = {
  log: (...args) => emit('log', args),
  info: (...args) => emit('info', args),
  debug: (...args) => emit('debug', args),
  warn: (...args) => emit('warn', args),
  error: (...args) => emit('error', args),
  trace: (...args) => emit('debug', ['Trace:', ...args, '\n' + (new Error().stack ?? '')]),
  dir: (value) => emit('log', [value]),
  dirxml: (...args) => emit('log', args),
  table: (data) => emit('log', [data]),
  assert: (condition, ...args) => {
    if (!condition) emit('error', ['Assertion failed' + (args.length ? ':' : ''), ...args])
  },
  count: (label = 'default') => {
    const n = (counters.get(label) ?? 0) + 1
    counters.set(label, n)
    emit('info', [`${label}: ${n}`])
  },
  countReset: (label = 'default') => counters.delete(label),
  time: (label = 'default') => timersByLabel.set(label, host.now()),
  timeLog: (label = 'default', ...args) => {
    const start = timersByLabel.get(label)
    if (start !== undefined)
      emit('info', [`${label}: ${(host.now() - start).toFixed(3)}ms`, ...args])
  },
  timeEnd: (label = 'default') => {
    console.timeLog(label)
    timersByLabel.delete(label)
  },
  group: (...args) => {
    if (args.length) emit('log', args)
    groupIndent += '  '
  },
  groupCollapsed: (...args) => console.group(...args),
  groupEnd: () => {
    groupIndent = groupIndent.slice(2)
  },
}
