// Hosts in WHATWG URLs: IPv4 in every legacy form (2130706433, 0x7f.1, 127.1), IPv6 with
// compression, IDN labels via punycode, and the forbidden code points.

function failure(input) {
  return typeError(`Invalid URL: ${input}`)
}

function parseIPv4Number(s) {
  if (s === '') return NaN
  let radix = 10
  if (/^0[xX]/.test(s)) {
    s = s.slice(2)
    radix = 16
  } else if (s.length > 1 && s[0] === '0') {
    s = s.slice(1)
    radix = 8
  }
  if (s === '') return 0
  const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/
  return valid.test(s) ? parseInt(s, radix) : NaN
}

function endsInNumber(host) {
  const parts = host.split('.')
  if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop()
  const last = parts[parts.length - 1]
  return /^[0-9]+$/.test(last) || /^0[xX][0-9a-fA-F]*$/.test(last)
}

function parseIPv4(host, input) {
  const parts = host.split('.')
  if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop()
  if (parts.length > 4) throw failure(input)
  const nums = parts.map(parseIPv4Number)
  if (nums.some((n) => numberIsNaN(n))) throw failure(input)
  const last = nums.pop()
  if (nums.some((n) => n > 255) || last >= 256 ** (4 - nums.length)) throw failure(input)
  let ip = last
  nums.forEach((n, i) => (ip += n * 256 ** (3 - i)))
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.')
}

function parseIPv6(s, input) {
  const pieces = [0, 0, 0, 0, 0, 0, 0, 0]
  let piece = 0
  let compress = null
  let i = 0
  if (s[0] === ':') {
    if (s[1] !== ':') throw failure(input)
    i = 2
    compress = ++piece
  }
  while (i < s.length) {
    if (piece === 8) throw failure(input)
    if (s[i] === ':') {
      if (compress !== null) throw failure(input)
      i++
      compress = ++piece
      continue
    }
    const m = /^[0-9a-fA-F]{0,4}/.exec(s.slice(i))[0]
    if (s[i + m.length] === '.') {
      if (piece > 6) throw failure(input)
      const v4 = s.slice(i)
      if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(v4)) throw failure(input)
      const octets = v4.split('.').map(Number)
      if (
        octets.some(
          (o, k) => o > 255 || (v4.split('.')[k].length > 1 && v4.split('.')[k][0] === '0'),
        )
      )
        throw failure(input)
      pieces[piece++] = octets[0] * 256 + octets[1]
      pieces[piece++] = octets[2] * 256 + octets[3]
      i = s.length
      break
    }
    if (m.length === 0) throw failure(input)
    pieces[piece++] = parseInt(m, 16)
    i += m.length
    if (i < s.length) {
      if (s[i] !== ':' || i + 1 === s.length) throw failure(input)
      i++
    }
  }
  if (compress !== null) {
    const moved = pieces.splice(compress, piece - compress)
    pieces.splice(compress, 0, ...new Array(8 - piece).fill(0))
    pieces.splice(8 - moved.length, moved.length, ...moved)
    pieces.length = 8
  } else if (piece !== 8) throw failure(input)
  return pieces
}

function serializeIPv6(pieces) {
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8;) {
    if (pieces[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && pieces[j] === 0) j++
    if (j - i > bestLen) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  let out = ''
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      out += i === 0 ? '::' : ':'
      i += bestLen - 1
      continue
    }
    out += pieces[i].toString(16) + (i < 7 ? ':' : '')
  }
  return '[' + out + ']'
}

function punycode(label) {
  const cps = arrayFrom(label, (c) => c.codePointAt(0))
  let out = cps
    .filter((c) => c < 0x80)
    .map((c) => stringFromCharCode(c))
    .join('')
  const basic = out.length
  let handled = basic
  if (basic) out += '-'
  const digit = (d) => stringFromCharCode(d < 26 ? d + 97 : d + 22)
  const adapt = (delta, points, first) => {
    delta = first ? Math.floor(delta / 700) : delta >> 1
    delta += Math.floor(delta / points)
    let k = 0
    for (; delta > 455; k += 36) delta = Math.floor(delta / 35)
    return k + Math.floor((36 * delta) / (delta + 38))
  }
  let n = 128
  let delta = 0
  let bias = 72
  while (handled < cps.length) {
    const m = Math.min(...cps.filter((c) => c >= n))
    delta += (m - n) * (handled + 1)
    n = m
    for (const c of cps) {
      if (c < n) delta++
      if (c !== n) continue
      let q = delta
      for (let k = 36; ; k += 36) {
        const t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias
        if (q < t) break
        out += digit(t + ((q - t) % (36 - t)))
        q = Math.floor((q - t) / (36 - t))
      }
      out += digit(q)
      bias = adapt(delta, handled + 1, handled === basic)
      delta = 0
      handled++
    }
    delta++
    n++
  }
  return out
}

const FORBIDDEN_HOST = /[\x00\t\n\r #/:<>?@[\\\]^|]/
const FORBIDDEN_DOMAIN = /[\x00-\x20#%/:<>?@[\\\]^|\x7f]/

function parseHost(input, special, whole) {
  if (input.startsWith('[')) {
    if (!input.endsWith(']')) throw failure(whole)
    return serializeIPv6(parseIPv6(input.slice(1, -1), whole))
  }
  if (!special) {
    if (FORBIDDEN_HOST.test(input)) throw failure(whole)
    return percentEncode(input, C0)
  }
  let domain = utf8Decode(percentDecodeBytes(input)).normalize('NFC').toLowerCase()
  domain = domain.replace(/[\u3002\uff0e\uff61]/g, '.')
  if (/[^\x00-\x7f]/.test(domain))
    domain = domain
      .split('.')
      .map((l) => (/[^\x00-\x7f]/.test(l) ? 'xn--' + punycode(l) : l))
      .join('.')
  if (domain === '' || FORBIDDEN_DOMAIN.test(domain)) throw failure(whole)
  return endsInNumber(domain) ? parseIPv4(domain, whole) : domain
}
