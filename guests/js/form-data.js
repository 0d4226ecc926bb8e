// FormData, and the multipart/form-data and urlencoded forms of it that bodies carry.

const formEntries = new WeakMap()

/** An entry value as FormData stores it: a string, or a File (a Blob becomes one). */
function formValue(value, filename) {
  const { Blob, File } = unit('blob')
  if (!(value instanceof Blob)) return wellFormed(String(value))
  if (value instanceof File && filename === undefined) return value
  const name = filename === undefined ? 'blob' : String(filename)
  const options = { type: value.type }
  if (value instanceof File) options.lastModified = value.lastModified
  return new File([value], name, options)
}

function formArgs(args, method) {
  const [name, value, filename] = args
  if (args.length < 2)
    throw typeError(`Failed to execute '${method}' on 'FormData': 2 arguments required.`)
  if (args.length > 2 && !(value instanceof unit('blob').Blob))
    throw typeError(
      `Failed to execute '${method}' on 'FormData': parameter 2 is not of type 'Blob'.`,
    )
  return [wellFormed(String(name)), formValue(value, filename)]
}

class FormData {
  constructor(form) {
    if (form !== undefined)
      throw typeError("Failed to construct 'FormData': a form element is not supported")
    formEntries.set(this, [])
  }
  append(...args) {
    formEntries.get(this).push(formArgs(args, 'append'))
  }
  set(...args) {
    const [name, value] = formArgs(args, 'set')
    const list = formEntries.get(this)
    const i = list.findIndex(([k]) => k === name)
    if (i < 0) list.push([name, value])
    else
      formEntries.set(
        this,
        list.filter(([k], j) => j <= i || k !== name).map((e, j) => (j === i ? [name, value] : e)),
      )
  }
  get(name) {
    const n = String(name)
    return formEntries.get(this).find(([k]) => k === n)?.[1] ?? null
  }
  getAll(name) {
    const n = String(name)
    return formEntries
      .get(this)
      .filter(([k]) => k === n)
      .map(([, v]) => v)
  }
  has(name) {
    const n = String(name)
    return formEntries.get(this).some(([k]) => k === n)
  }
  delete(name) {
    const n = String(name)
    formEntries.set(
      this,
      formEntries.get(this).filter(([k]) => k !== n),
    )
  }
  forEach(callback, thisArg) {
    for (const [k, v] of this) callback.call(thisArg, v, k, this)
  }
  *entries() {
    const list = formEntries.get(this)
    for (let i = 0; i < list.length; i++) yield [list[i][0], list[i][1]]
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
  get [Symbol.toStringTag]() {
    return 'FormData'
  }
}

/** Names and filenames in a part's header, escaped as the HTML standard's form encoding does. */
const escapeFormName = (s) =>
  s
    .replace(/\r\n?|\n/g, '\r\n')
    .replace(/\n/g, '%0A')
    .replace(/\r/g, '%0D')
    .replace(/"/g, '%22')

/** A FormData as a multipart/form-data body: { bytes, type } with a fresh boundary. */
function encodeMultipart(form) {
  const random = new Uint8Array(host.random(12))
  const boundary =
    '----fnhostFormBoundary' + Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('')
  const chunks = []
  for (const [name, value] of formEntries.get(form)) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeFormName(name)}"`
    if (typeof value === 'string') {
      chunks.push(utf8Encode(`${head}\r\n\r\n${value.replace(/\r\n?|\n/g, '\r\n')}\r\n`))
      continue
    }
    head += `; filename="${escapeFormName(value.name)}"\r\nContent-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`
    chunks.push(utf8Encode(head), unit('blob').bytesOfBlob(value), utf8Encode('\r\n'))
  }
  chunks.push(utf8Encode(`--${boundary}--\r\n`))
  return { bytes: concatBytes(chunks), type: `multipart/form-data; boundary=${boundary}` }
}

/** A parameter of a header value (`boundary=...`, `name="..."`), quoted or not. */
function headerParam(value, param) {
  const m = new RegExp(`;\\s*${param}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i').exec(
    value,
  )
  return m ? (m[1] ?? m[2]).replace(/\\(.)/g, '$1') : null
}

function badForm(why) {
  return typeError(`Failed to parse the body as FormData: ${why}`)
}

/** Undoes escapeFormName, as browsers and Node's parser do. */
const unescapeFormName = (s) =>
  s === null ? null : s.replace(/%0A/gi, '\n').replace(/%0D/gi, '\r').replace(/%22/g, '"')

const latin1Bytes = (s) => new Uint8Array(host.latin1Encode(toHost(s)))

/**
 * Parses a multipart/form-data body. The bytes are searched as a latin1 string (one char per
 * byte), where the engine's native indexOf finds each boundary.
 */
function parseMultipart(bytes, contentType) {
  const boundary = headerParam(contentType, 'boundary')
  if (!boundary) throw badForm('the content-type has no boundary')
  const text = fromHost(host.latin1Decode(exactBuffer(bytes)))
  const delimiter = '--' + boundary
  const form = new FormData()
  let at = text.indexOf(delimiter)
  if (at < 0) throw badForm('the boundary does not occur in the body')
  for (;;) {
    at += delimiter.length
    if (text.startsWith('--', at)) return form
    if (!text.startsWith('\r\n', at)) throw badForm('a boundary is not followed by CRLF')
    const headEnd = text.indexOf('\r\n\r\n', at + 2)
    if (headEnd < 0) throw badForm('a part has no end of headers')
    const next = text.indexOf('\r\n' + delimiter, headEnd + 4)
    if (next < 0) throw badForm('the body ends inside a part')
    const headers = {}
    // Part headers are UTF-8 (a name or filename may hold any character).
    for (const line of utf8Decode(latin1Bytes(text.slice(at + 2, headEnd))).split('\r\n')) {
      const colon = line.indexOf(':')
      if (colon > 0)
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const disposition = headers['content-disposition'] ?? ''
    const name = unescapeFormName(headerParam(disposition, 'name'))
    if (name === null) throw badForm('a part has no name in its Content-Disposition')
    const filename = unescapeFormName(headerParam(disposition, 'filename'))
    const content = latin1Bytes(text.slice(headEnd + 4, next))
    if (filename === null) form.append(name, utf8Decode(content))
    else
      form.append(
        name,
        new (unit('blob').File)([content], filename, { type: headers['content-type'] ?? '' }),
      )
    at = next + 2
  }
}

/** A body as FormData, by its content type (the Body mixin's formData()). */
function parseFormBody(bytes, contentType) {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase()
  if (type === 'multipart/form-data') return parseMultipart(bytes, contentType)
  if (type === 'application/x-www-form-urlencoded') {
    const form = new FormData()
    for (const [k, v] of new (unit('url').URLSearchParams)(utf8Decode(bytes))) form.append(k, v)
    return form
  }
  throw typeError(
    `Failed to parse the body as FormData: content-type '${contentType ?? ''}' is neither multipart/form-data nor application/x-www-form-urlencoded`,
  )
}
