import { availableParallelism } from 'node:os'
import { createHost } from '../host/host.js'
import { createLogger } from '../host/observe/log.js'
import { createPool } from '../host/pool/index.js'
import { serve } from '../host/server.js'

/**
 * `fnhost serve <dir> --quiet` for the js-fetch scenario, built from the same parts (registry,
 * app, worker pool, server) with one change: the workers load functions through
 * loopback-loader, whose fetch policy lets a guest reach the bench's upstream on 127.0.0.1.
 * `fnhost serve` has no switch for the outbound policy, so the bench cannot use it as is.
 */
const dir = process.argv[2]
if (!dir) throw new Error('usage: loopback-host <functions dir>')
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
const logger = createLogger()
const pool = createPool({
  workers: availableParallelism(),
  loaderModule: new URL(`./loopback-loader${ext}`, import.meta.url),
  logger,
})
const host = await createHost({ dir, logger, accessLog: false, loader: pool.load })
const server = await serve({ fetch: host.fetch, port: 0, host: '127.0.0.1' })
process.stdout.write(`listening on ${server.url}\n`)
process.on('SIGTERM', () => {
  void (async () => {
    await server.close()
    await host[Symbol.asyncDispose]()
    await pool[Symbol.asyncDispose]()
    process.exit(0)
  })()
})
