import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { createHost } from '../host/host.js'
import { createLogger } from '../host/observe/log.js'
import { serve } from '../host/server.js'

/**
 * `fnhost serve <dir> --quiet`, built from the same parts (registry, app, worker pool with one
 * worker per core, server), with the two pool settings the CLI has no switch for:
 *
 * --allow-loopback      the drivers' egress policy lets a guest reach the bench's upstream on
 *                       127.0.0.1 (js-fetch);
 * --sandbox-budget-mb   the sum of memory caps the pool keeps loaded before it evicts (density:
 *                       the default, half the machine's memory, holds only 94 functions of 128 MiB).
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'allow-loopback': { type: 'boolean' }, 'sandbox-budget-mb': { type: 'string' } },
})
const dir = positionals[0]
if (!dir) throw new Error('usage: bench-host <dir> [--allow-loopback] [--sandbox-budget-mb N]')
const logger = createLogger()
const budget = values['sandbox-budget-mb']
const host = await createHost({
  dir,
  logger,
  accessLog: false,
  pool: {
    workers: availableParallelism(),
    drivers: values['allow-loopback'] ? { egress: { allow: ['127.0.0.1'] } } : {},
    maxSandboxMemoryMb: budget === undefined ? undefined : Number(budget),
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
