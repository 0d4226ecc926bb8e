// A Hono app as one function: Hono routes inside it. Bundled (with Hono) into
// guests/examples/hono-app.js by scripts/build-examples.mjs.
//   GET  /hono-app                -> 200 text/plain  "Hono on fnhost"
//   GET  /hono-app/users/7        -> 200 application/json  {"id":"7","name":"User 7"}
//   POST /hono-app/echo -d '{"a":1}' -H 'content-type: application/json'
//                                 -> 200 application/json  {"echo":{"a":1}}
//   GET  /hono-app/nope           -> 404 application/json  {"error":"no route for GET /hono-app/nope"}
import { Hono } from 'hono'

const app = new Hono().basePath('/hono-app')

app.get('/', (c) => c.text('Hono on fnhost'))
app.get('/users/:id', (c) => {
  const id = c.req.param('id')
  return c.json({ id, name: `User ${id}` })
})
app.post('/echo', async (c) => c.json({ echo: await c.req.json() }))
app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404))

export default app
