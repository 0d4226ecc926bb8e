// The three handler conventions (CONTRACTS.md): which export to call, what it receives, and how
// its answer goes back to the host (see answer()). A malformed answer becomes { bad: reason },
// which the host reports as GUEST_BAD_RESPONSE.

// The function's env: set by internals.configure (below), which the host calls before any of the
// function's code runs. An engine may run this prelude before its function is known.
let env = objectFreeze({})
const process = { env: {} }

const STYLE_HINTS = {
  fetch:
    '`export default { fetch(request, env, ctx) }` or `export default function (request, ctx)` (fetch style)',
  event: 'a named export `handle` or `handler` (event style)',
  'open-runtimes': '`module.exports = async (req, res) => {}` (open-runtimes style)',
}

let handler = null

function exportNames(ns) {
  if (typeof ns === 'function') return ['module.exports (a function)']
  if (typeof ns !== 'object' || ns === null) return []
  return objectKeys(ns)
}

function findHandler(ns, isCjs, style, handlerName) {
  const cjsFunction = isCjs && typeof ns === 'function'
  const esModule = !isCjs || (ns !== null && typeof ns === 'object' && ns.__esModule)
  const def = esModule ? ns?.default : cjsFunction ? undefined : ns
  const eventNames = handlerName ? [handlerName] : ['handle', 'handler']
  const named =
    typeof ns === 'object' && ns !== null
      ? eventNames.find((n) => typeof ns[n] === 'function')
      : undefined
  const candidates = {
    fetch: () => {
      if (def !== null && typeof def === 'object' && typeof def.fetch === 'function') {
        const scheduled =
          typeof def.scheduled === 'function'
            ? (event, ctx) => def.scheduled(event, env, ctx)
            : undefined
        const call = (req, ctx, callEnv) => def.fetch(req, callEnv, ctx)
        return { style: 'fetch', call, scheduled }
      }
      const fn = typeof def === 'function' ? def : style === 'fetch' && cjsFunction ? ns : undefined
      return fn && { style: 'fetch', call: (req, ctx) => fn(req, ctx) }
    },
    event: () => {
      const fn = named ? ns[named] : style === 'event' && cjsFunction ? ns : undefined
      return fn && { style: 'event', call: (event, context) => fn.call(ns, event, context) }
    },
    'open-runtimes': () => {
      const fn = cjsFunction
        ? ns
        : style === 'open-runtimes' && typeof def === 'function'
          ? def
          : undefined
      return fn && { style: 'open-runtimes', call: (req, res) => fn(req, res) }
    },
  }
  for (const s of style ? [style] : ['fetch', 'event', 'open-runtimes']) {
    const found = candidates[s]()
    if (found) return found
  }
  const expected = style ? STYLE_HINTS[style] : objectValues(STYLE_HINTS).join(', or ')
  const names = exportNames(ns)
  throw new Error(
    `no handler found: expected ${expected}; the module exports ${names.length ? names.join(', ') : 'nothing'}`,
  )
}

/**
 * The answer for the host: the response meta as JSON, with a text body inside it (JSON also
 * carries U+0000 safely), so the common case costs the host one string read. Bytes or pending
 * waitUntil work come as [metaJSON, ArrayBuffer | undefined, Promise | undefined].
 */
function answer(meta, body, wait) {
  if (typeof body === 'string') meta.text = body
  if (body === undefined || typeof body === 'string') {
    if (!wait) return JSON.stringify(meta)
    body = undefined
  }
  return [JSON.stringify(meta), body, wait]
}

function bad(reason) {
  return JSON.stringify({ bad: reason })
}

function describeValue(v) {
  if (v === null) return 'null'
  if (typeof v !== 'object') return typeof v
  return constructorName(v) || 'object'
}

async function responseParts(res, wait) {
  if (res.type === 'error') return bad('the handler returned Response.error()')
  let c
  try {
    c = takeBodyContent(res)
  } catch {
    return bad('the response body was already read')
  }
  let body
  if (c !== null)
    body =
      c.text !== undefined
        ? c.text
        : exactBuffer(c.bytes ?? (await unit('streams').readStream(c.stream)))
  const pairs = headerPairs(res.headers)
  if (!wait && (body === undefined || typeof body === 'string'))
    return flatAnswer(res.status, pairs, body)
  return answer({ status: res.status, statusText: res.statusText, headers: pairs }, body, wait)
}

/**
 * The common answer as lines, which cost a few concatenations where JSON.stringify costs
 * microseconds (read by flatResponse in host/sandbox/quickjs/marshal.ts): status, header count,
 * each header's name and value (a Headers object holds no line break), then the text body, if
 * any, to the end.
 */
function flatAnswer(status, pairs, body) {
  let out = status + '\n' + pairs.length
  for (const [name, value] of pairs) out += '\n' + name + '\n' + value
  return body === undefined ? out : out + '\n' + body
}

/** The host's request lines (flatRequest in host/sandbox/quickjs/marshal.ts): method, URL, params. */
function flatMeta(s) {
  const a = s.indexOf('\n')
  const b = s.indexOf('\n', a + 1)
  let c = s.indexOf('\n', b + 1)
  if (c < 0) c = s.length
  const params = s.slice(b + 1, c)
  return {
    method: s.slice(0, a),
    url: s.slice(a + 1, b),
    params: params ? JSON.parse(params) : {},
    headers: c < s.length ? s.slice(c + 1) : '',
  }
}

/** The function's env, with an executor's per-call env laid over it (frozen like `env`). */
function envFor(m) {
  return m.env ? Object.freeze({ ...init.env, ...m.env }) : env
}

/** A private function's caller: `{ claims }` from the verified token, or undefined. */
function authOf(m) {
  return m.auth ? { claims: m.auth.claims } : undefined
}

function headerObject(pairs) {
  const out = {}
  for (const [k, v] of pairs) out[k] = objectHasOwn(out, k) ? out[k] + ', ' + v : v
  return out
}

function isRecord(v) {
  return v !== null && typeof v === 'object' && !arrayIsArray(v)
}

/** Validates a {statusCode, headers, body, isBase64Encoded} answer into response parts. */
function structuredAnswer(result, who) {
  const status = result.statusCode
  if (!numberIsInteger(status) || status < 200 || status > 599)
    return bad(
      `${who} returned statusCode ${unit('console').inspect(status)}; expected an integer from 200 to 599`,
    )
  const headers = []
  if (result.headers !== undefined && result.headers !== null) {
    if (!isRecord(result.headers)) return bad(`${who} returned headers that are not an object`)
    for (const [k, v] of objectEntries(result.headers)) {
      if (!['string', 'number', 'boolean'].includes(typeof v))
        return bad(`${who} returned header ${k} with a ${describeValue(v)} value`)
      headers.push([k, String(v)])
    }
  }
  if (result.multiValueHeaders !== undefined && result.multiValueHeaders !== null) {
    if (!isRecord(result.multiValueHeaders))
      return bad(`${who} returned multiValueHeaders that are not an object`)
    for (const [k, list] of objectEntries(result.multiValueHeaders)) {
      if (!arrayIsArray(list))
        return bad(`${who} returned multiValueHeaders.${k} that is not an array`)
      for (const v of list) headers.push([k, String(v)])
    }
  }
  const body = result.body ?? undefined
  if (body !== undefined && typeof body !== 'string')
    return bad(`${who} returned a ${describeValue(body)} body; expected a string`)
  if (body && NULL_BODY_STATUS.includes(status))
    return bad(`${who} returned a body with status ${status}`)
  const meta = { status, statusText: '', headers, base64: Boolean(result.isBase64Encoded) }
  return answer(meta, body || undefined)
}

function eventAnswer(result) {
  if (result === undefined) return answer({ status: 200, statusText: '', headers: [] })
  if (isRecord(result) && 'statusCode' in result) return structuredAnswer(result, 'the handler')
  let text
  try {
    text = JSON.stringify(result)
  } catch (e) {
    return bad(`the handler's result is not JSON-serializable: ${e.message}`)
  }
  if (text === undefined)
    return bad(`the handler returned a ${typeof result}, which is not JSON-serializable`)
  return answer(
    { status: 200, statusText: '', headers: [['content-type', 'application/json']] },
    text,
  )
}

function fetchContext(m, waits) {
  const ctx = {
    waitUntil: (p) =>
      void waits.push(
        promiseResolve(p).catch((e) => unit('console').console.error('waitUntil:', e)),
      ),
    passThroughOnException: () => {},
    props: {},
    params: m.params,
  }
  if (m.auth) ctx.auth = authOf(m)
  return ctx
}

/** A cron tick for `scheduled(event, env, ctx)`: its answer is an empty 200 once it settles. */
async function callScheduled(m) {
  const waits = []
  const { cron, scheduledTime, payload } = m.scheduled
  const event = { type: 'scheduled', cron, scheduledTime, payload, noRetry: () => {} }
  await handler.scheduled(event, fetchContext(m, waits))
  return answer(
    { status: 200, statusText: '', headers: [] },
    undefined,
    waits.length ? Promise.all(waits) : undefined,
  )
}

async function callFetch(m, body) {
  if (m.scheduled && handler.scheduled) return callScheduled(m)
  const request = incomingRequest(m.method, m.url, m.headers, body ? new Uint8Array(body) : null)
  const waits = []
  const res = await handler.call(request, fetchContext(m, waits), envFor(m))
  if (!(res instanceof Response))
    return bad(`the fetch handler must return a Response; it returned ${describeValue(res)}`)
  return responseParts(res, waits.length ? promiseAll(waits) : undefined)
}

async function callEvent(m) {
  const event = {
    httpMethod: m.method,
    path: m.path,
    headers: headerObject(m.headers),
    multiValueHeaders: objectFromEntries(m.headers.map(([k, v]) => [k, [v]])),
    queryStringParameters: m.queryParams,
    multiValueQueryStringParameters: m.multiQueryParams,
    query: m.query,
    pathParameters: m.params,
    stageVariables: {},
    body: m.body,
    isBase64Encoded: m.base64,
    requestContext: {
      eventType: 'http',
      httpMethod: m.method,
      path: m.path,
      stage: '$default',
      requestId: m.requestId,
      authorizer: authOf(m),
    },
    resource: 'http',
  }
  if (m.scheduled) {
    event.type = 'cron'
    event.schedule = m.scheduled.cron
    event.scheduledTime = m.scheduled.scheduledTime
  }
  const context = {
    functionName: init.functionName,
    memoryLimitInMb: init.memoryMb,
    requestId: m.requestId,
    getRemainingTimeInMillis: () => Math.max(0, m.deadline - dateNow()),
    env,
  }
  return eventAnswer(await handler.call(event, context))
}

async function callOpenRuntimes(m) {
  let sent = null
  const send = (body, status, headers) => {
    if (sent) throw new Error('the response was already sent')
    sent = { statusCode: status, headers, body }
  }
  const req = {
    payload: m.body,
    headers: headerObject(m.headers),
    env: m.env ? { ...process.env, ...m.env } : process.env,
    method: m.method,
    path: m.path,
    query: m.queryParams,
    auth: m.auth?.claims,
  }
  const res = {
    send: (text, status = 200, headers = {}) =>
      send(text === undefined ? '' : String(text), status, headers),
    json: (obj, status = 200, headers = {}) =>
      send(JSON.stringify(obj), status, { 'content-type': 'application/json', ...headers }),
  }
  await handler.call(req, res)
  if (!sent)
    return bad('the open-runtimes handler finished without calling res.send() or res.json()')
  return structuredAnswer(sent, 'res.send()')
}

const CALLERS = { fetch: callFetch, event: callEvent, 'open-runtimes': callOpenRuntimes }

function requireStub(name) {
  const e = new Error(
    `require('${name}') is not available: fnhost bundles the imports and require() calls it can resolve when it loads a function, and this one was left out (a computed name, or a module the bundler could not find)`,
  )
  throw Object.assign(e, { code: 'MODULE_NOT_FOUND' })
}

const internals = {
  /** The function's settings (PreludeInit, as JSON); called once, before its code runs. */
  configure(initJSON) {
    objectAssign(init, JSON.parse(initJSON))
    env = objectFreeze({ ...init.env, ...kvBindings(init.kv) })
    process.env = { ...init.env }
    timeOrigin = init.timeOrigin
  },
  runCjs(fn, filename) {
    const module = { exports: {}, id: '.', filename, loaded: false, children: [], paths: [] }
    const require = (name) => requireStub(String(name))
    require.resolve = require
    fn.call(module.exports, module.exports, require, module, filename, '/')
    module.loaded = true
    return module.exports
  },
  bind(ns, isCjs, style, handlerName) {
    handler = findHandler(ns, isCjs, style || undefined, handlerName || undefined)
    handler.invoke = CALLERS[handler.style]
    return handler.style
  },
  invoke(meta, body) {
    return handler.invoke(meta.charCodeAt(0) === 0x7b ? JSON.parse(meta) : flatMeta(meta), body)
  },
}
