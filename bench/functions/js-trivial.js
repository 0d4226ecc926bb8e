/* global Response -- a guest global of the QuickJS sandbox */
// The smallest fetch-style handler: what one call into a shared QuickJS sandbox costs.
export default {
  fetch() {
    return new Response('Hello, world!\n')
  },
}
