// The URL class over the records url-parse.js makes; its searchParams stay linked to it.

const urlRecords = new WeakMap()

function recordOf(base) {
  if (base === undefined) return undefined
  if (base instanceof URL) return urlRecords.get(base)
  return parseURL(base)
}

class URL {
  #record
  #params = null
  constructor(input, base) {
    if (arguments.length === 0) throw typeError('URL constructor requires 1 argument')
    this.#record = parseURL(input instanceof URL ? input.href : input, recordOf(base))
    urlRecords.set(this, this.#record)
  }
  static canParse(input, base) {
    try {
      parseURL(input, recordOf(base))
      return true
    } catch {
      return false
    }
  }
  static parse(input, base) {
    try {
      return new URL(input, base)
    } catch {
      return null
    }
  }
  get href() {
    return serializeURL(this.#record)
  }
  set href(value) {
    this.#record = parseURL(value)
    urlRecords.set(this, this.#record)
    this.#syncParams()
  }
  get origin() {
    const r = this.#record
    if (r.protocol === 'blob:') {
      try {
        return new URL(serializePath(r)).origin
      } catch {
        return 'null'
      }
    }
    return isSpecial(r.protocol) && r.protocol !== 'file:'
      ? r.protocol + '//' + serializeHost(r)
      : 'null'
  }
  get protocol() {
    return this.#record.protocol
  }
  set protocol(value) {
    const m = /^([a-zA-Z][a-zA-Z0-9+\-.]*)/.exec(String(value))
    if (!m) return
    const protocol = m[1].toLowerCase() + ':'
    const r = this.#record
    if (isSpecial(protocol) !== isSpecial(r.protocol)) return
    if (protocol === 'file:' && (r.username || r.password || r.port)) return
    r.protocol = protocol
    if (r.port === SPECIAL_PORTS[protocol]) r.port = ''
  }
  get username() {
    return this.#record.username
  }
  set username(value) {
    const r = this.#record
    if (r.hostname === null || r.hostname === '' || r.protocol === 'file:') return
    r.username = percentEncode(String(value), USERINFO_SET)
  }
  get password() {
    return this.#record.password
  }
  set password(value) {
    const r = this.#record
    if (r.hostname === null || r.hostname === '' || r.protocol === 'file:') return
    r.password = percentEncode(String(value), USERINFO_SET)
  }
  get host() {
    const r = this.#record
    return r.hostname === null ? '' : serializeHost(r)
  }
  set host(value) {
    const r = this.#record
    if (r.opaque !== null) return
    const host = String(value).split(/[/\\?#]/)[0]
    if (host.includes('@')) return
    try {
      const probe = { ...r }
      parseAuthority(probe, host, value)
      r.hostname = probe.hostname
      if (/:[^:\]]*$/.test(host)) r.port = probe.port
    } catch {
      // An invalid host leaves the URL unchanged, as the setter's algorithm says.
    }
  }
  get hostname() {
    return this.#record.hostname ?? ''
  }
  set hostname(value) {
    const r = this.#record
    if (r.opaque !== null) return
    try {
      const host = String(value).split(/[/\\?#]/)[0]
      if (/:/.test(host.replace(/\[.*\]/, ''))) return
      r.hostname = parseHost(host, isSpecial(r.protocol), value)
    } catch {
      // As for host: an invalid value is ignored.
    }
  }
  get port() {
    return this.#record.port
  }
  set port(value) {
    const r = this.#record
    if (r.hostname === null || r.hostname === '' || r.protocol === 'file:') return
    const digits = /^[0-9]*/.exec(String(value))[0]
    if (String(value) === '') r.port = ''
    else if (digits !== '' && Number(digits) <= 65535)
      r.port = String(Number(digits)) === SPECIAL_PORTS[r.protocol] ? '' : String(Number(digits))
  }
  get pathname() {
    return serializePath(this.#record)
  }
  set pathname(value) {
    const r = this.#record
    if (r.opaque !== null) return
    const special = isSpecial(r.protocol)
    const s = String(value).replace(/[\t\n\r]/g, '')
    r.path = parsePath(
      special || s.startsWith('/') ? s.replace(special ? /^[/\\]/ : /^\//, '') : s,
      special,
    )
  }
  get search() {
    const q = this.#record.query
    return q === null || q === '' ? '' : '?' + q
  }
  set search(value) {
    const r = this.#record
    const s = String(value).replace(/[\t\n\r]/g, '')
    r.query =
      s === ''
        ? null
        : percentEncode(s.replace(/^\?/, ''), isSpecial(r.protocol) ? SPECIAL_QUERY_SET : QUERY_SET)
    this.#syncParams()
  }
  get searchParams() {
    if (!this.#params) this.#params = linkedSearchParams(this, this.#record.query ?? '')
    return this.#params
  }
  get hash() {
    const f = this.#record.fragment
    return f === null || f === '' ? '' : '#' + f
  }
  set hash(value) {
    const s = String(value).replace(/[\t\n\r]/g, '')
    this.#record.fragment = s === '' ? null : percentEncode(s.replace(/^#/, ''), FRAGMENT_SET)
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
  #syncParams() {
    if (this.#params) replaceSearchParams(this.#params, this.#record.query ?? '')
  }
}

/** Called by a URL's linked URLSearchParams after it changes. */
function updateURLQuery(url, serialized) {
  urlRecords.get(url).query = serialized === '' ? null : serialized
}
