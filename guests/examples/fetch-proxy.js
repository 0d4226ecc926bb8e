// Outbound fetch: fetches the URL given in ?url= and relays its answer.
// The host allows only http(s) to public addresses (checked after DNS resolution and on every
// redirect) and at most 50 fetches per request; a refused fetch rejects with a TypeError.
//   GET /fetch-proxy?url=https://example.com/
//     -> the upstream status and body, with x-upstream-url: https://example.com/
//   GET /fetch-proxy?url=http://127.0.0.1/
//     -> 502 application/json  {"error":"fetch to http://127.0.0.1/ denied: 127.0.0.1 is a loopback address, ..."}
//   GET /fetch-proxy -> 400 application/json  {"error":"add ?url=https://..."}
export default {
  async fetch(request) {
    const target = new URL(request.url).searchParams.get('url')
    if (!target) return Response.json({ error: 'add ?url=https://...' }, { status: 400 })
    let upstream
    try {
      upstream = await fetch(target)
    } catch (e) {
      return Response.json({ error: e.message }, { status: 502 })
    }
    const empty = [204, 205, 304].includes(upstream.status)
    return new Response(empty ? null : await upstream.arrayBuffer(), {
      status: upstream.status,
      headers: {
        'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
        'x-upstream-url': upstream.url,
      },
    })
  },
}
