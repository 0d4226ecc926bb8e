// The key-value store (env.KV, env.KV_<NAME>): Workers KV's shape, promise-returning. A binding
// names a namespace the host granted this function; the host resolves it and refuses anything
// else. A call is one host call: answered at once by SQLite, or later (Redis) through a callback
// the event loop runs, like fetch.

const KV_TYPES = ['text', 'json', 'arrayBuffer']

function kvError(failure) {
  const e = new Error(failure.message)
  e.name = 'KvError'
  return Object.assign(e, { code: failure.code })
}

/** One host call; resolves with (json, bytes) as the host answered. */
function kvCall(request, value) {
  return new Promise((resolve, reject) => {
    const settle = (error, json, bytes) => {
      if (error !== undefined) reject(kvError(JSON.parse(error)))
      else resolve({ json: JSON.parse(json), bytes })
    }
    const answer = host.kv(JSON.stringify(request), value, settle)
    if (typeof answer !== 'number') settle(answer[0], answer[1], answer[2])
  })
}

function kvKey(key) {
  if (typeof key !== 'string') throw typeError('a KV key is a string')
  return key
}

function kvValue(value) {
  if (typeof value === 'string') return exactBuffer(utf8Encode(value))
  if (isBufferSource(value)) return exactBuffer(copyBytes(value))
  throw typeError('KV put takes a string, an ArrayBuffer or a view; use JSON.stringify for objects')
}

function kvNamespace(binding) {
  const ns = {
    async get(key, options) {
      const type = typeof options === 'string' ? options : (options?.type ?? 'text')
      if (!KV_TYPES.includes(type))
        throw typeError(`KV get type is one of ${KV_TYPES.join(', ')}; got ${String(type)}`)
      const { json, bytes } = await kvCall({ op: 'get', binding, key: kvKey(key) })
      if (json === null) return null
      if (type === 'arrayBuffer') return bytes
      const text = utf8Decode(new Uint8Array(bytes))
      return type === 'json' ? JSON.parse(text) : text
    },
    async put(key, value, options) {
      const request = { op: 'put', binding, key: kvKey(key) }
      if (options?.ttl !== undefined) request.ttl = options.ttl
      await kvCall(request, kvValue(value))
    },
    async delete(key) {
      await kvCall({ op: 'delete', binding, key: kvKey(key) })
    },
    async list(options = {}) {
      const { prefix, cursor, limit } = options
      const { json } = await kvCall({ op: 'list', binding, prefix, cursor, limit })
      const keys = json.keys.map((k) =>
        k.expiration === undefined ? { name: k.name } : { name: k.name, expiration: k.expiration },
      )
      return json.complete
        ? { keys, list_complete: true }
        : { keys, list_complete: false, cursor: json.cursor }
    },
    async increment(key, by = 1) {
      const { json } = await kvCall({ op: 'increment', binding, key: kvKey(key), by })
      return json
    },
  }
  return Object.freeze(ns)
}

/** The bindings the host granted, by name (KV, KV_<NAME>). */
function kvBindings(names) {
  return Object.fromEntries(names.map((name) => [name, kvNamespace(name)]))
}
