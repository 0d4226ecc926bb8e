// Fetch style, plain text.
//   GET /hello            -> 200 text/plain;charset=UTF-8  "Hello from fnhost!\n"
//   GET /hello?name=Ada   -> 200 text/plain;charset=UTF-8  "Hello, Ada!\n"
export default {
  fetch(request) {
    const name = new URL(request.url).searchParams.get('name')
    return new Response(name ? `Hello, ${name}!\n` : 'Hello from fnhost!\n')
  },
}
