import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { HELLO } from '../answer.js'

/** The ceiling: a bare Hono route on @hono/node-server, the same stack fnhost serves through. */
const app = new Hono()
app.get('/', (c) => c.text(HELLO))

serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`listening on http://127.0.0.1:${info.port}\n`)
})
// Nothing to drain: the bench stops the baseline only after its load has finished.
process.on('SIGTERM', () => process.exit(0))
