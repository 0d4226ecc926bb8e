// A Hono app as one function, in TypeScript: `hono` is imported as is and bundled by fnhost at
// load (from the node_modules of the project that holds this folder). Hono routes inside it.
//   GET  /hono-api                -> 200 text/plain  "Hono on fnhost"
//   GET  /hono-api/users/7        -> 200 application/json  {"id":"7","name":"User 7"}
//   POST /hono-api/echo -d '{"a":1}' -H 'content-type: application/json'
//                                 -> 200 application/json  {"echo":{"a":1}}
//   GET  /hono-api/nope           -> 404 application/json  {"error":"no route for GET /hono-api/nope"}
import { Hono } from 'hono'

interface User {
  id: string
  name: string
}

const app = new Hono().basePath('/hono-api')

app.get('/', (c) => c.text('Hono on fnhost'))
app.get('/users/:id', (c) => {
  const id = c.req.param('id')
  const user: User = { id, name: `User ${id}` }
  return c.json(user)
})
app.post('/echo', async (c) => c.json({ echo: await c.req.json<unknown>() }))
app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404))

export default app
