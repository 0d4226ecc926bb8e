// Request and Response share one body implementation. A body is kept in the form it was given
// (text, bytes or a stream) so a string response reaches the host without a UTF-8 round trip.

const NULL_BODY_STATUS = [101, 103, 204, 205, 304]
const REDIRECT_STATUS = [301, 302, 303, 307, 308]

function extractBody(init) {
  if (init === null || init === undefined) return { content: null, type: null }
  if (typeof init === 'string')
    return { content: { text: wellFormed(init) }, type: 'text/plain;charset=UTF-8' }
  if (loadedUnit('url') && init instanceof loadedUnit('url').URLSearchParams)
    return {
      content: { text: init.toString() },
      type: 'application/x-www-form-urlencoded;charset=UTF-8',
    }
  if (isBufferSource(init)) return { content: { bytes: copyBytes(init) }, type: null }
  const blob = loadedUnit('blob')
  if (blob && init instanceof blob.Blob)
    return { content: { bytes: blob.bytesOfBlob(init).slice() }, type: init.type || null }
  const form = loadedUnit('form')
  if (form && init instanceof form.FormData) {
    const { bytes, type } = form.encodeMultipart(init)
    return { content: { bytes }, type }
  }
  const streams = loadedUnit('streams')
  if (streams && init instanceof streams.ReadableStream) {
    if (streams.streamIsDisturbed(init))
      throw typeError('the body stream is locked or has already been read')
    const bytes = streams.takeStreamBytes(init)
    return { content: bytes ? { bytes } : { stream: init }, type: null }
  }
  return { content: { text: wellFormed(String(init)) }, type: 'text/plain;charset=UTF-8' }
}

function contentBytes(content) {
  if (content.text !== undefined) return utf8Encode(content.text)
  return content.bytes
}

// Internal accessors, bound in the static blocks below so that guest code cannot reach them.
let takeBodyContent
let setBodyContent
let cloneBodyContent
let fetchedResponse
let incomingRequest
const INTERNAL = Symbol('internal')

class Body {
  #content
  #used = false
  #stream = null
  constructor(content) {
    this.#content = content
  }
  get body() {
    if (this.#content === null) return null
    if (!this.#stream) {
      const c = this.#content
      this.#stream = c.stream ?? unit('streams').bytesStream(contentBytes(c))
      this.#content = { stream: this.#stream }
    }
    return this.#stream
  }
  get bodyUsed() {
    if (this.#used) return true
    return this.#stream !== null && unit('streams').streamIsDisturbed(this.#stream)
  }
  #take(peek) {
    if (this.bodyUsed) throw typeError('Body is unusable: Body has already been read')
    if (!peek) this.#used = true
    return this.#content
  }
  async #text() {
    const c = this.#take(false)
    if (c === null) return ''
    if (c.text !== undefined) return c.text
    return utf8Decode(c.bytes ?? (await unit('streams').readStream(c.stream)))
  }
  async #bytes() {
    const c = this.#take(false)
    if (c === null) return new Uint8Array(0)
    if (c.text !== undefined) return utf8Encode(c.text)
    return c.bytes ? c.bytes.slice() : await unit('streams').readStream(c.stream)
  }
  text() {
    return this.#text()
  }
  async json() {
    return JSON.parse(await this.#text())
  }
  async arrayBuffer() {
    return exactBuffer(await this.#bytes())
  }
  bytes() {
    return this.#bytes()
  }
  async blob() {
    const bytes = await this.#bytes()
    const type = /** @type {any} */ (this).headers.get('content-type') ?? ''
    return new (unit('blob').Blob)([bytes], { type })
  }
  async formData() {
    const bytes = await this.#bytes()
    return unit('form').parseFormBody(bytes, /** @type {any} */ (this).headers.get('content-type'))
  }
  /** Content for a clone: streams are teed so both copies can be read. */
  #cloneContent() {
    const c = this.#take(true)
    if (c === null || !c.stream) return c
    const [a, b] = c.stream.tee()
    this.#stream = a
    this.#content = { stream: a }
    return { stream: b }
  }
  static {
    takeBodyContent = (body) => body.#take(false)
    cloneBodyContent = (body) => body.#cloneContent()
    setBodyContent = (body, content) => {
      body.#content = content
      body.#stream = null
      body.#used = false
    }
  }
}

function checkStatusText(statusText) {
  const s = String(statusText)
  if (/[^\t\x20-\x7e\x80-\xff]/.test(s)) throw typeError(`Invalid statusText: "${s}"`)
  return s
}

class Response extends Body {
  #status
  #statusText
  #headers
  #type = 'default'
  #url = ''
  #redirected = false
  constructor(body = null, init = {}) {
    const status = init.status === undefined ? 200 : Number(init.status)
    if (!numberIsInteger(status) || status < 200 || status > 599)
      throw new RangeError(
        `The status provided (${init.status}) must be an integer in the range 200 to 599`,
      )
    const { content, type } = extractBody(body)
    if (content !== null && NULL_BODY_STATUS.includes(status))
      throw typeError(`Response with null body status ${status} cannot have a body`)
    super(content)
    this.#status = status
    this.#statusText = init.statusText === undefined ? '' : checkStatusText(init.statusText)
    // The common `new Response(text)` skips header validation: there is nothing to validate.
    if (init.headers === undefined)
      this.#headers = trustedHeaders(type ? [['content-type', type]] : [])
    else {
      this.#headers = new Headers(init.headers)
      if (type && !this.#headers.has('content-type')) this.#headers.set('content-type', type)
    }
  }
  static json(data, init = {}) {
    const text = JSON.stringify(data)
    if (text === undefined) throw typeError('Response.json: the data is not JSON serializable')
    const res = new Response(text, init)
    if (!new Headers(init.headers).has('content-type'))
      res.headers.set('content-type', 'application/json')
    return res
  }
  static redirect(url, status = 302) {
    const location = new (unit('url').URL)(url).href
    if (!REDIRECT_STATUS.includes(status))
      throw new RangeError(`Invalid redirect status: ${status}`)
    return new Response(null, { status, headers: { location } })
  }
  static error() {
    const res = new Response(null, { status: 200 })
    res.#type = 'error'
    res.#status = 0
    return res
  }
  static {
    /** A response as fetch() produces it: any status, a URL, and the redirected flag. */
    fetchedResponse = (bytes, meta) => {
      const res = new Response(null, {})
      setBodyContent(res, bytes && bytes.byteLength ? { bytes } : null)
      res.#status = meta.status
      res.#statusText = meta.statusText
      res.#headers = trustedHeaders(meta.headers)
      res.#type = 'basic'
      res.#url = meta.url
      res.#redirected = meta.redirected
      return res
    }
  }
  get type() {
    return this.#type
  }
  get url() {
    return this.#url
  }
  get redirected() {
    return this.#redirected
  }
  get status() {
    return this.#status
  }
  get ok() {
    return this.#status >= 200 && this.#status <= 299
  }
  get statusText() {
    return this.#statusText
  }
  get headers() {
    return this.#headers
  }
  clone() {
    if (this.bodyUsed) throw typeError('Response.clone: Body has already been consumed.')
    const res = new Response(null, {})
    setBodyContent(res, cloneBodyContent(this))
    res.#status = this.#status
    res.#statusText = this.#statusText
    res.#headers = new Headers(this.#headers)
    res.#type = this.#type
    res.#url = this.#url
    res.#redirected = this.#redirected
    return res
  }
  [inspectCustom]() {
    return `Response { status: ${this.#status}, statusText: '${this.#statusText}', url: '${this.#url}' }`
  }
}

const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']
const REDIRECT_MODES = ['follow', 'error', 'manual']

function normalizeMethod(method) {
  const m = String(method)
  if (!TOKEN.test(m)) throw typeError(`'${m}' is not a valid HTTP method`)
  const upper = m.toUpperCase()
  if (['CONNECT', 'TRACE', 'TRACK'].includes(upper))
    throw typeError(`'${m}' HTTP method is unsupported`)
  return METHODS.includes(upper) ? upper : m
}

/** Header pairs from alternating name and value lines. */
function linePairs(lines) {
  const pairs = []
  if (!lines) return pairs
  const parts = lines.split('\n')
  for (let i = 0; i + 1 < parts.length; i += 2) pairs.push([parts[i], parts[i + 1]])
  return pairs
}

class Request extends Body {
  #method
  #url
  #headers = null
  #headerLines = ''
  #signal
  #redirect
  constructor(input, init = {}) {
    if (input === INTERNAL) {
      super(null)
      return
    }
    const from = input instanceof Request ? input : null
    const method =
      init.method !== undefined ? normalizeMethod(init.method) : (from?.method ?? 'GET')
    let content = null
    let type = null
    if (init.body !== undefined && init.body !== null) {
      if (method === 'GET' || method === 'HEAD')
        throw typeError('Request with GET/HEAD method cannot have body')
      ;({ content, type } = extractBody(init.body))
    } else if (from && init.body === undefined) content = takeBodyContent(from)
    super(content)
    this.#method = method
    this.#url = from ? from.url : new (unit('url').URL)(String(input)).href
    this.#headers = new Headers(init.headers ?? from?.headers)
    if (type && !this.#headers.has('content-type')) this.#headers.set('content-type', type)
    this.#signal = init.signal ?? (from ? from.signal : null)
    const redirect = init.redirect ?? from?.redirect ?? 'follow'
    if (!REDIRECT_MODES.includes(redirect)) throw typeError(`Invalid redirect mode: ${redirect}`)
    this.#redirect = redirect
  }
  static {
    /**
     * The incoming request, built from fields the host already validated. `pairs` is a header
     * list, or the host's header lines (name, value, ...), read when the handler first asks.
     */
    incomingRequest = (method, url, pairs, bytes) => {
      const req = new Request(INTERNAL)
      setBodyContent(req, bytes && bytes.byteLength ? { bytes } : null)
      req.#method = method
      req.#url = url
      if (typeof pairs === 'string') req.#headerLines = pairs
      else req.#headers = trustedHeaders(pairs)
      req.#signal = null
      req.#redirect = 'follow'
      return req
    }
  }
  get method() {
    return this.#method
  }
  get url() {
    return this.#url
  }
  get headers() {
    return (this.#headers ??= trustedHeaders(linePairs(this.#headerLines)))
  }
  /** Made on first use: most requests never look at it, and it needs the events unit. */
  get signal() {
    return (this.#signal ??= unit('events').newAbortSignal())
  }
  get redirect() {
    return this.#redirect
  }
  get cache() {
    return 'default'
  }
  get credentials() {
    return 'same-origin'
  }
  get mode() {
    return 'cors'
  }
  get referrer() {
    return 'about:client'
  }
  get referrerPolicy() {
    return ''
  }
  get integrity() {
    return ''
  }
  get keepalive() {
    return false
  }
  get destination() {
    return ''
  }
  get duplex() {
    return 'half'
  }
  clone() {
    if (this.bodyUsed) throw typeError('Request.clone: Body has already been consumed.')
    const req = new Request(this, { body: null })
    setBodyContent(req, cloneBodyContent(this))
    return req
  }
  [inspectCustom]() {
    return `Request { method: '${this.#method}', url: '${this.#url}' }`
  }
}
