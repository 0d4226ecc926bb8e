/* global Response, fetch -- guest globals of the QuickJS sandbox */
// Awaits one host fetch per request; UPSTREAM (a local server) comes from the sidecar the bench writes.
export default {
  async fetch(_request, env) {
    const upstream = await fetch(env.UPSTREAM)
    return new Response(await upstream.text(), { status: upstream.status })
  },
}
