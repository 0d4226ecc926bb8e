import { Hono } from 'hono'
import { FnhostError } from '../errors.js'
import { readBody } from '../http/body.js'
import { requireAdminKey } from '../observe/admin-key.js'
import type { Triggers } from './scheduler.js'

/** Largest payload a manual trigger accepts. */
const MAX_PAYLOAD_BYTES = 1024 * 1024

/**
 * Mounted at /_fnhost/v1, behind the admin key: `POST /functions/{name}/trigger` (body: the
 * payload as JSON, optional) answers with the run's record; `GET /functions/{name}/runs` gives the
 * last runs, newest first. A name may hold '/' (`api/users`), as function names do.
 */
export function triggerRoutes(triggers: Triggers, adminKey: string | undefined, dev = false): Hono {
  const app = new Hono()
  // Per route, not app.use: mounted beside other /_fnhost/v1 routes, a use() would guard them too.
  const admin = requireAdminKey(adminKey, dev)
  app.post('/functions/:name{.+}/trigger', admin, async (c) => {
    const payload = await readPayload(c.req.raw)
    const run = await triggers.trigger(c.req.param('name'), payload)
    return c.json(run)
  })
  app.get('/functions/:name{.+}/runs', admin, (c) => {
    const name = c.req.param('name')
    return c.json({ function: name, runs: triggers.runs(name) })
  })
  return app
}

async function readPayload(req: Request): Promise<unknown> {
  const bytes = await readBody(req, MAX_PAYLOAD_BYTES)
  const text = bytes ? new TextDecoder().decode(bytes) : ''
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch (e) {
    throw new FnhostError('BAD_REQUEST', `the trigger payload is not JSON: ${(e as Error).message}`)
  }
}
