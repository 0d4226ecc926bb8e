const paramsState = new WeakMap()

function percentDecodeBytes(s) {
  const bytes = utf8Encode(s)
  const out = []
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]
    if (
      b === 0x25 &&
      i + 2 < bytes.length &&
      /^[0-9a-fA-F]{2}$/.test(String.fromCharCode(bytes[i + 1], bytes[i + 2]))
    ) {
      out.push(parseInt(String.fromCharCode(bytes[i + 1], bytes[i + 2]), 16))
      i += 2
    } else out.push(b)
  }
  return new Uint8Array(out)
}

function formEncode(s) {
  let out = ''
  for (const b of utf8Encode(s)) {
    if (b === 0x20) out += '+'
    else if (
      (b >= 0x30 && b <= 0x39) ||
      (b >= 0x41 && b <= 0x5a) ||
      (b >= 0x61 && b <= 0x7a) ||
      b === 0x2a ||
      b === 0x2d ||
      b === 0x2e ||
      b === 0x5f
    )
      out += stringFromCharCode(b)
    else out += '%' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase()
  }
  return out
}

function formDecode(s) {
  const plain = s.replace(/\+/g, ' ')
  if (!plain.includes('%')) return plain
  return utf8Decode(percentDecodeBytes(plain))
}

function parseForm(query) {
  const list = []
  for (const part of query.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    list.push(
      eq < 0
        ? [formDecode(part), '']
        : [formDecode(part.slice(0, eq)), formDecode(part.slice(eq + 1))],
    )
  }
  return list
}

function serializeForm(list) {
  return list.map(([k, v]) => formEncode(k) + '=' + formEncode(v)).join('&')
}

function linkedSearchParams(url, query) {
  const params = new URLSearchParams(query)
  paramsState.get(params).url = url
  return params
}

function replaceSearchParams(params, query) {
  paramsState.get(params).list = parseForm(query)
}

class URLSearchParams {
  /** @param {any} [init] */
  constructor(init = '') {
    let list
    if (typeof init === 'object' && init !== null) {
      if (init instanceof URLSearchParams) list = paramsState.get(init).list.map(([k, v]) => [k, v])
      else if (typeof init[Symbol.iterator] === 'function')
        list = arrayFrom(init, (pair) => {
          const p = arrayFrom(pair)
          if (p.length !== 2)
            throw typeError('Each query pair must be an iterable [name, value] tuple')
          return [wellFormed(String(p[0])), wellFormed(String(p[1]))]
        })
      else list = objectKeys(init).map((k) => [wellFormed(k), wellFormed(String(init[k]))])
    } else list = parseForm(String(init).replace(/^\?/, ''))
    paramsState.set(this, { list, url: null })
  }
  #update() {
    const state = paramsState.get(this)
    if (state.url) updateURLQuery(state.url, serializeForm(state.list))
  }
  get size() {
    return paramsState.get(this).list.length
  }
  append(name, value) {
    paramsState.get(this).list.push([wellFormed(String(name)), wellFormed(String(value))])
    this.#update()
  }
  delete(name, value) {
    const state = paramsState.get(this)
    const n = String(name)
    state.list = state.list.filter(
      ([k, v]) => k !== n || (value !== undefined && v !== String(value)),
    )
    this.#update()
  }
  get(name) {
    const n = String(name)
    return paramsState.get(this).list.find(([k]) => k === n)?.[1] ?? null
  }
  getAll(name) {
    const n = String(name)
    return paramsState
      .get(this)
      .list.filter(([k]) => k === n)
      .map(([, v]) => v)
  }
  has(name, value) {
    const n = String(name)
    return paramsState
      .get(this)
      .list.some(([k, v]) => k === n && (value === undefined || v === String(value)))
  }
  set(name, value) {
    const state = paramsState.get(this)
    const n = wellFormed(String(name))
    const v = wellFormed(String(value))
    const i = state.list.findIndex(([k]) => k === n)
    if (i < 0) state.list.push([n, v])
    else {
      state.list[i][1] = v
      state.list = state.list.filter(([k], j) => j <= i || k !== n)
    }
    this.#update()
  }
  sort() {
    const state = paramsState.get(this)
    state.list = state.list
      .map((pair, i) => [pair, i])
      .sort(([a, i], [b, j]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : i - j))
      .map(([pair]) => pair)
    this.#update()
  }
  forEach(callback, thisArg) {
    for (const [k, v] of paramsState.get(this).list) callback.call(thisArg, v, k, this)
  }
  *entries() {
    const state = paramsState.get(this)
    for (let i = 0; i < state.list.length; i++) yield [state.list[i][0], state.list[i][1]]
  }
  *keys() {
    for (const [k] of this.entries()) yield k
  }
  *values() {
    for (const [, v] of this.entries()) yield v
  }
  [Symbol.iterator]() {
    return this.entries()
  }
  toString() {
    return serializeForm(paramsState.get(this).list)
  }
  [inspectCustom]() {
    const items = paramsState.get(this).list.map(([k, v]) => `'${k}' => '${v}'`)
    return `URLSearchParams { ${items.join(', ')} }`
  }
}
