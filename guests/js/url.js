// The URL class. Parsing and the setters run in the host's own WHATWG URL parser (Node's, which
// passes WPT's URL tests): one host call per parse or set, measured cheaper than a parser
// interpreted by QuickJS. A URL holds its components as the host serialized them; its
// searchParams stay linked to it.

// The order host/sandbox/quickjs/url-host.ts sends the components in, one per line (a URL's
// components never hold a newline: the parser strips it and every encode set escapes it).
const URL_PARTS = [
  'href',
  'origin',
  'protocol',
  'username',
  'password',
  'host',
  'hostname',
  'port',
  'pathname',
  'search',
  'hash',
]
const URL_SETTERS = new Set(URL_PARTS.filter((p) => p !== 'origin'))
const [HREF, ORIGIN, PROTOCOL, USERNAME, PASSWORD, HOST, HOSTNAME, PORT, PATHNAME, SEARCH, HASH] =
  URL_PARTS.keys()

/** Components from the host's answer, or null when the input is not a valid URL. */
function hostURL(answer) {
  return answer === '' ? null : answer.split('\n')
}

function parseWithHost(input, base) {
  const b = base === undefined ? undefined : toHost(base)
  return hostURL(host.urlParse(toHost(input), b))
}

function baseHref(base) {
  if (base === undefined) return undefined
  return base instanceof URL ? base.href : wellFormed(String(base))
}

const urlParts = new WeakMap()

class URL {
  #params = null
  constructor(input, base) {
    if (arguments.length === 0) throw typeError('URL constructor requires 1 argument')
    const parts = parseWithHost(wellFormed(String(input)), baseHref(base))
    if (!parts) throw typeError(`Invalid URL: ${String(input)}`)
    urlParts.set(this, parts)
  }
  static canParse(input, base) {
    return parseWithHost(wellFormed(String(input)), baseHref(base)) !== null
  }
  static parse(input, base) {
    try {
      return new URL(input, base)
    } catch {
      return null
    }
  }
  get href() {
    return urlParts.get(this)[HREF]
  }
  set href(value) {
    const parts = parseWithHost(wellFormed(String(value)))
    if (!parts) throw typeError(`Invalid URL: ${String(value)}`)
    this.#replace(parts)
  }
  get origin() {
    return urlParts.get(this)[ORIGIN]
  }
  get protocol() {
    return urlParts.get(this)[PROTOCOL]
  }
  set protocol(value) {
    this.#set('protocol', value)
  }
  get username() {
    return urlParts.get(this)[USERNAME]
  }
  set username(value) {
    this.#set('username', value)
  }
  get password() {
    return urlParts.get(this)[PASSWORD]
  }
  set password(value) {
    this.#set('password', value)
  }
  get host() {
    return urlParts.get(this)[HOST]
  }
  set host(value) {
    this.#set('host', value)
  }
  get hostname() {
    return urlParts.get(this)[HOSTNAME]
  }
  set hostname(value) {
    this.#set('hostname', value)
  }
  get port() {
    return urlParts.get(this)[PORT]
  }
  set port(value) {
    this.#set('port', value)
  }
  get pathname() {
    return urlParts.get(this)[PATHNAME]
  }
  set pathname(value) {
    this.#set('pathname', value)
  }
  get search() {
    return urlParts.get(this)[SEARCH]
  }
  set search(value) {
    this.#set('search', value)
  }
  get searchParams() {
    if (!this.#params) this.#params = linkedSearchParams(this, queryOf(this.href))
    return this.#params
  }
  get hash() {
    return urlParts.get(this)[HASH]
  }
  set hash(value) {
    this.#set('hash', value)
  }
  toString() {
    return this.href
  }
  toJSON() {
    return this.href
  }
  [inspectCustom]() {
    return `URL { href: '${this.href}' }`
  }
  #set(name, value) {
    if (!URL_SETTERS.has(name)) return
    const answer = host.urlSet(toHost(this.href), name, toHost(wellFormed(String(value))))
    this.#replace(hostURL(answer))
  }
  #replace(parts) {
    const searchBefore = urlParts.get(this)[SEARCH]
    urlParts.set(this, parts)
    if (this.#params && parts[SEARCH] !== searchBefore)
      replaceSearchParams(this.#params, queryOf(parts[HREF]))
  }
}

/** The query of a serialized URL, without '?' ('' when it has none). */
function queryOf(href) {
  const hash = href.indexOf('#')
  const noFragment = hash < 0 ? href : href.slice(0, hash)
  const q = noFragment.indexOf('?')
  return q < 0 ? '' : noFragment.slice(q + 1)
}

/** Called by a URL's linked URLSearchParams after it changes (the query is already encoded). */
function updateURLQuery(url, serialized) {
  const answer = host.urlSet(toHost(url.href), 'search', serialized === '' ? '' : '?' + serialized)
  urlParts.set(url, hostURL(answer))
}
