/* global Response -- a guest global of the QuickJS sandbox */
// The same handler in a fresh QuickJS context per request (the strict mode).
export const config = { isolation: 'request' }

export default {
  fetch() {
    return new Response('Hello, world!\n')
  },
}
