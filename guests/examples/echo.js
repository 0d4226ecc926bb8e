// Fetch style: echoes the request as JSON.
//   POST /echo?x=1 -H 'x-demo: yes' -d 'some body'
//     -> 200 application/json
//        {"method":"POST","path":"/echo","query":{"x":"1"},"headers":{..., "x-demo":"yes"},"body":"some body"}
export default {
  async fetch(request) {
    const url = new URL(request.url)
    return Response.json({
      method: request.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(request.headers),
      body: await request.text(),
    })
  },
}
