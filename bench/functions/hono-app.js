// A Hono app as users write it; the bench bundles it (hono included) into one file, js-hono.js.
import { Hono } from 'hono'

const app = new Hono()
app.get('/js-hono', (c) => c.text('Hello, world!\n'))
app.get('/js-hono/users/:id', (c) => c.json({ id: c.req.param('id') }))

export default app
