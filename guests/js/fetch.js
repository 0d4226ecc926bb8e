// fetch() goes through the host, which enforces the outbound policy (public addresses only,
// a per-invocation count) and rejects with a TypeError whose message says why.

async function fetch(input, init) {
  const req = new Request(input, init)
  const signal = req.signal
  signal.throwIfAborted()
  const c = takeBodyContent(req)
  let body
  if (c !== null)
    body = exactBuffer(
      c.text !== undefined
        ? utf8Encode(c.text)
        : (c.bytes ?? (await unit('streams').readStream(c.stream))),
    )
  const meta = JSON.stringify({
    method: req.method,
    url: req.url,
    headers: headerPairs(req.headers),
    redirect: req.redirect,
  })
  return new Promise((resolve, reject) => {
    let settled = false
    const onAbort = () => {
      if (settled) return
      settled = true
      host.fetchAbort(/** @type {number} */ (id))
      reject(signal.reason)
    }
    const id = host.fetch(meta, body, (error, responseMeta, responseBody) => {
      if (settled) return
      settled = true
      signal.removeEventListener('abort', onAbort)
      if (error !== undefined) return reject(typeError(error))
      const m = JSON.parse(responseMeta)
      resolve(fetchedResponse(responseBody ? new Uint8Array(responseBody) : null, m))
    })
    if (typeof id === 'string') {
      settled = true
      reject(typeError(id))
      return
    }
    signal.addEventListener('abort', onAbort)
  })
}
