const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g

function headerName(name) {
  const n = String(name)
  if (!TOKEN.test(n)) throw typeError(`Invalid header name: "${n}"`)
  return n.toLowerCase()
}

function headerValue(value) {
  const v = String(value).replace(HTTP_WHITESPACE, '')
  // A ByteString (WebIDL) holds no code unit above U+00FF.
  if (/[\0\r\n\u0100-\uffff]/.test(v)) throw typeError(`Invalid header value: "${v}"`)
  return v
}

/** Joins repeated values as Node's Headers does: cookie with '; ', the others with ', '. */
const joinerOf = (name) => (name === 'cookie' ? '; ' : ', ')

/** The sorted and combined list iteration walks; recomputed after a change (see entries()). */
const sortedLists = new WeakMap()

function sortedList(headers) {
  let sorted = sortedLists.get(headers)
  if (sorted) return sorted
  const list = headerLists.get(headers)
  sorted = []
  for (const n of [...new Set(list.map(([k]) => k))].sort()) {
    if (n === 'set-cookie') {
      for (const [k, v] of list) if (k === n) sorted.push([n, v])
    } else sorted.push([n, headers.get(n)])
  }
  sortedLists.set(headers, sorted)
  return sorted
}

const headerLists = new WeakMap()

/** The raw [name, value] list in insertion order, names lower-cased (for the host marshal). */
function headerPairs(headers) {
  return headerLists.get(headers)
}

/** Builds Headers from pairs the host already validated, skipping the per-entry checks. */
function trustedHeaders(pairs) {
  const h = new Headers(TRUSTED)
  headerLists.set(h, pairs)
  return h
}

const TRUSTED = Symbol('trusted')

class Headers {
  constructor(init) {
    if (init === TRUSTED) return
    headerLists.set(this, [])
    if (init === undefined) return
    if (init instanceof Headers) {
      headerLists.set(
        this,
        headerLists.get(init).map(([k, v]) => [k, v]),
      )
      return
    }
    if (typeof init !== 'object')
      throw typeError('Headers init must be an object or an iterable of pairs')
    if (typeof init[Symbol.iterator] === 'function') {
      for (const pair of init) {
        if (typeof pair !== 'object' || pair === null)
          throw typeError('Header pairs must be iterables of a name and a value')
        const p = arrayFrom(pair)
        if (p.length !== 2) throw typeError('Header pairs must contain exactly two items')
        this.append(p[0], p[1])
      }
    } else for (const k of objectKeys(init)) this.append(k, init[k])
  }
  append(name, value) {
    headerLists.get(this).push([headerName(name), headerValue(value)])
    sortedLists.delete(this)
  }
  delete(name) {
    const n = headerName(name)
    sortedLists.delete(this)
    headerLists.set(
      this,
      headerLists.get(this).filter(([k]) => k !== n),
    )
  }
  get(name) {
    const n = headerName(name)
    let out = null
    for (const [k, v] of headerLists.get(this))
      if (k === n) out = out === null ? v : out + joinerOf(n) + v
    return out
  }
  getSetCookie() {
    return headerLists
      .get(this)
      .filter(([k]) => k === 'set-cookie')
      .map(([, v]) => v)
  }
  has(name) {
    const n = headerName(name)
    return headerLists.get(this).some(([k]) => k === n)
  }
  set(name, value) {
    const n = headerName(name)
    const v = headerValue(value)
    const list = headerLists.get(this)
    sortedLists.delete(this)
    const i = list.findIndex(([k]) => k === n)
    if (i < 0) list.push([n, v])
    else
      headerLists.set(
        this,
        list.filter(([k], j) => j <= i || k !== n).map((p, j) => (j === i ? [n, v] : p)),
      )
  }
  forEach(callback, thisArg) {
    for (const [k, v] of this) callback.call(thisArg, v, k, this)
  }
  /** WebIDL's pair iterator: each step reads the current sorted list at the next index. */
  *entries() {
    for (let i = 0; i < sortedList(this).length; i++) {
      const [k, v] = sortedList(this)[i]
      yield [k, v]
    }
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
  [inspectCustom]() {
    return `Headers { ${[...this].map(([k, v]) => `'${k}': '${v}'`).join(', ')} }`
  }
}
