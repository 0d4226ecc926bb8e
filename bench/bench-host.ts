import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { createHost } from '../host/host.js'
import { createLogger } from '../host/observe/log.js'
import { serve } from '../host/server.js'

/**
 * `fnhost serve <dir> --quiet`, built from the same parts (registry, app, worker pool with one
 * worker per core, server), with the pool setting the CLI has no switch for:
 *
 * --allow-loopback      the drivers' egress policy lets a guest reach the bench's upstream on
 *                       127.0.0.1 (js-fetch).
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'allow-loopback': { type: 'boolean' } },
})
const dir = positionals[0]
if (!dir) throw new Error('usage: bench-host <dir> [--allow-loopback]')
const logger = createLogger()
const host = await createHost({
  dir,
  logger,
  accessLog: false,
  pool: {
    workers: availableParallelism(),
    drivers: values['allow-loopback'] ? { egress: { allow: ['127.0.0.1'] } } : {},
  },
})
const server = await serve({ fetch: host.fetch, port: 0, host: '127.0.0.1' })
process.stdout.write(`listening on ${server.url}\n`)
process.on('SIGTERM', () => {
  void (async () => {
    await server.close()
    await host[Symbol.asyncDispose]()
    process.exit(0)
  })()
})
