// WHATWG URL parsing, complete enough for what handlers meet: special schemes (http(s), ws(s),
// ftp, file) with hosts, IPv4 in every legacy form, IPv6, IDN via punycode, dot segments,
// per-component percent-encoding, and opaque paths for the rest (mailto:, data:, ...).

const SPECIAL_PORTS = {
  'ftp:': '21',
  'file:': '',
  'http:': '80',
  'https:': '443',
  'ws:': '80',
  'wss:': '443',
}

const isSpecial = (protocol) => objectHasOwn(SPECIAL_PORTS, protocol)

const C0 = (c) => c < 0x20 || c > 0x7e
const FRAGMENT_SET = (c) => C0(c) || ' "<>`'.includes(stringFromCharCode(c))
const QUERY_SET = (c) => C0(c) || ' "#<>'.includes(stringFromCharCode(c))
const SPECIAL_QUERY_SET = (c) => QUERY_SET(c) || c === 0x27
// Without '^', which the newest spec adds but Node (Ada) and browsers do not encode yet.
const PATH_SET = (c) => QUERY_SET(c) || '?`{}'.includes(stringFromCharCode(c))
const USERINFO_SET = (c) => PATH_SET(c) || '/:;=@[\\]^|'.includes(stringFromCharCode(c))

function percentEncode(s, inSet) {
  let out = ''
  for (const ch of s) {
    const c = ch.codePointAt(0)
    if (c < 0x80 && !inSet(c)) {
      out += ch
      continue
    }
    for (const b of utf8Encode(ch)) out += '%' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase()
  }
  return out
}

function percentDecodeBytes(s) {
  const bytes = utf8Encode(s)
  const out = []
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]
    if (
      b === 0x25 &&
      i + 2 < bytes.length &&
      /^[0-9a-fA-F]{2}$/.test(stringFromCharCode(bytes[i + 1], bytes[i + 2]))
    ) {
      out.push(parseInt(stringFromCharCode(bytes[i + 1], bytes[i + 2]), 16))
      i += 2
    } else out.push(b)
  }
  return new Uint8Array(out)
}

const SINGLE_DOT = /^(\.|%2e)$/i
const DOUBLE_DOT = /^(\.|%2e)(\.|%2e)$/i

/** Resolves `input` path segments onto `base` ones (arrays), applying dot segments. */
function parsePath(input, special, base = []) {
  const segments = input.split(special ? /[/\\]/ : '/')
  const out = [...base]
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1
    if (DOUBLE_DOT.test(seg)) {
      if (out.length) out.pop()
      if (last) out.push('')
    } else if (SINGLE_DOT.test(seg)) {
      if (last) out.push('')
    } else out.push(percentEncode(seg, PATH_SET))
  })
  return out
}

function splitSuffix(rest) {
  const hash = rest.indexOf('#')
  const fragment = hash < 0 ? null : rest.slice(hash + 1)
  if (hash >= 0) rest = rest.slice(0, hash)
  const q = rest.indexOf('?')
  const query = q < 0 ? null : rest.slice(q + 1)
  if (q >= 0) rest = rest.slice(0, q)
  return { rest, query, fragment }
}

function parseAuthority(url, authority, whole) {
  const special = isSpecial(url.protocol)
  const at = authority.lastIndexOf('@')
  if (at >= 0) {
    const info = authority.slice(0, at)
    const colon = info.indexOf(':')
    url.username = percentEncode(colon < 0 ? info : info.slice(0, colon), USERINFO_SET)
    url.password = colon < 0 ? '' : percentEncode(info.slice(colon + 1), USERINFO_SET)
    authority = authority.slice(at + 1)
  }
  const portMatch = /:([^:\]]*)$/.exec(authority)
  let hostPart = authority
  url.port = ''
  if (portMatch) {
    hostPart = authority.slice(0, portMatch.index)
    const port = portMatch[1]
    if (port !== '') {
      if (!/^[0-9]+$/.test(port) || Number(port) > 65535) throw failure(whole)
      url.port = String(Number(port)) === SPECIAL_PORTS[url.protocol] ? '' : String(Number(port))
    }
  }
  if (hostPart === '') {
    if (special && url.protocol !== 'file:') throw failure(whole)
    if (at >= 0 || portMatch) throw failure(whole)
    url.hostname = ''
    return
  }
  url.hostname = parseHost(hostPart, special, whole)
  if (url.protocol === 'file:' && url.hostname === 'localhost') url.hostname = ''
}

/** Parses `input` (against `base`, a record) into a record, or throws a TypeError. */
function parseURL(input, base) {
  const whole = String(input)
  let s = whole.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '').replace(/[\t\n\r]/g, '')
  const url = {
    protocol: '',
    username: '',
    password: '',
    hostname: null,
    port: '',
    path: [],
    opaque: null,
    query: null,
    fragment: null,
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+\-.]*):/.exec(s)
  let relative = !scheme
  if (scheme) {
    url.protocol = scheme[1].toLowerCase() + ':'
    s = s.slice(scheme[0].length)
    if (isSpecial(url.protocol) && base && base.protocol === url.protocol && !/^[/\\]/.test(s))
      relative = true
  } else if (!base) throw failure(whole)
  else url.protocol = base.protocol
  const special = isSpecial(url.protocol)
  const { rest, query, fragment } = splitSuffix(s)
  url.fragment = fragment === null ? null : percentEncode(fragment, FRAGMENT_SET)
  const encodeQuery = (q) =>
    q === null ? null : percentEncode(q, special ? SPECIAL_QUERY_SET : QUERY_SET)
  url.query = encodeQuery(query)
  const slash = special ? /^[/\\]/ : /^\//
  if (relative) {
    if (base.opaque !== null) {
      if (s.startsWith('#')) return { ...base, fragment: url.fragment }
      throw failure(whole)
    }
    if ((special ? /^[/\\]{2}/ : /^\/\//).test(rest)) return parseAfterScheme(url, rest, whole)
    objectAssign(url, {
      username: base.username,
      password: base.password,
      hostname: base.hostname,
      port: base.port,
    })
    if (slash.test(rest)) url.path = parsePath(rest.slice(1), special)
    else if (rest === '') {
      url.path = [...base.path]
      if (query === null) url.query = base.query
    } else url.path = parsePath(rest, special, base.path.slice(0, -1))
    return url
  }
  return parseAfterScheme(url, rest, whole)
}

function parseAfterScheme(url, rest, whole) {
  const special = isSpecial(url.protocol)
  if (url.protocol === 'file:') {
    url.hostname = ''
    if (!/^[/\\]{2}/.test(rest)) {
      url.path = parsePath(rest.replace(/^[/\\]/, ''), true)
      return url
    }
    rest = rest.slice(2)
    const end = rest.search(/[/\\]/)
    if (end !== 0) parseAuthority(url, end < 0 ? rest : rest.slice(0, end), whole)
    url.path = parsePath(end < 0 ? '' : rest.slice(end + 1), true)
    return url
  }
  if (special || rest.startsWith('//')) {
    const stripped = special ? rest.replace(/^[/\\]*/, '') : rest.slice(2)
    const end = stripped.search(special ? /[/\\]/ : /\//)
    const authority = end < 0 ? stripped : stripped.slice(0, end)
    parseAuthority(url, authority, whole)
    url.path = parsePath(end < 0 ? '' : stripped.slice(end + 1), special)
    if (end < 0 && !special) url.path = []
    return url
  }
  if (rest.startsWith('/')) {
    url.path = parsePath(rest.slice(1), false)
    return url
  }
  url.opaque = percentEncode(rest, C0)
  return url
}

function serializePath(url) {
  if (url.opaque !== null) return url.opaque
  if (url.path.length === 0) return isSpecial(url.protocol) ? '/' : ''
  return '/' + url.path.join('/')
}

function serializeHost(url) {
  return url.hostname + (url.port ? ':' + url.port : '')
}

function serializeURL(url, excludeFragment = false) {
  let out = url.protocol
  if (url.hostname !== null) {
    out += '//'
    if (url.username || url.password)
      out += url.username + (url.password ? ':' + url.password : '') + '@'
    out += serializeHost(url)
  } else if (url.opaque === null && url.path.length > 1 && url.path[0] === '') out += '/.'
  out += serializePath(url)
  if (url.query !== null) out += '?' + url.query
  if (!excludeFragment && url.fragment !== null) out += '#' + url.fragment
  return out
}
