import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { HELLO } from '../answer.js'

/** Plain Node `http` answering the same body: what Hono's adapter costs, and the upstream of js-fetch. */
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' })
  res.end(HELLO)
})
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`)
})
// Nothing to drain: the bench stops the baseline only after its load has finished.
process.on('SIGTERM', () => process.exit(0))
