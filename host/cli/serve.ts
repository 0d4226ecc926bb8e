import { availableParallelism } from 'node:os'
import type { ParseArgsConfig } from 'node:util'
import { resolve } from 'node:path'
import { createHost } from '../host.js'
import { createLogger, formatLine } from '../observe/log.js'
import { FunctionsDirError } from '../registry/registry.js'
import { ReadinessGate } from '../http/readiness.js'
import { ListenError, serve, SERVER_LIMITS } from '../server.js'
import { intOption, parse, withUsage } from './args.js'
import { routeTable } from './routes-table.js'

const USAGE =
  'usage: fnhost serve [dir] [--port N] [--host H] [--workers N] [--grace-ms N] [--no-watch] [--quiet]\n' +
  '  dir defaults to ./functions, --port to $PORT or 8080, --host to $HOST or 127.0.0.1,\n' +
  '  --workers to the number of cores, --grace-ms (how long SIGTERM waits for in-flight\n' +
  '  requests) to $FNHOST_GRACE_MS or 30000; --quiet drops the per-request log line'

/** The flags of `fnhost serve` (deploy/knative manifests are checked against them). */
export const SERVE_OPTIONS = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  workers: { type: 'string', short: 'w' },
  'grace-ms': { type: 'string' },
  'no-watch': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options']

export function run(argv: string[]): Promise<number> {
  return withUsage(USAGE, async () => {
    const { values, positionals } = parse(argv, {
      allowPositionals: true,
      options: SERVE_OPTIONS,
    })
    if (values.help) {
      process.stdout.write(USAGE + '\n')
      return 0
    }
    if (positionals.length > 1) throw new Error(`serve takes one folder, got ${positionals.length}`)
    const dir = resolve(positionals[0] ?? './functions')
    const port = intOption(values.port ?? process.env.PORT, '--port', 8080)
    const workers = intOption(values.workers, '--workers', availableParallelism())
    const graceMs = intOption(
      values['grace-ms'] ?? process.env.FNHOST_GRACE_MS,
      '--grace-ms',
      SERVER_LIMITS.drainTimeoutMs,
    )
    // Logs go to stdout, where container platforms collect them; fatal errors stay on stderr.
    const logger = createLogger((l) => process.stdout.write(formatLine(l) + '\n'))

    const stopped = firstSignal()
    // Listen before the first scan so a platform's probes get an answer (503 until it has loaded).
    const gate = new ReadinessGate()
    let server
    try {
      server = await serve({
        fetch: gate.fetch,
        port,
        host: values.host ?? (process.env.HOST || '127.0.0.1'),
        drainTimeoutMs: graceMs,
      })
    } catch (e) {
      if (e instanceof ListenError) {
        process.stderr.write(`fnhost: ${e.message}\n`)
        return 1
      }
      throw e
    }
    let host
    try {
      host = await createHost({
        dir,
        watch: !values['no-watch'],
        logger,
        accessLog: !values.quiet,
        workers,
      })
    } catch (e) {
      await server.close()
      if (e instanceof FunctionsDirError) {
        process.stderr.write(
          `fnhost: ${e.message}\n  create it, or pass the folder: fnhost serve <dir>\n`,
        )
        return 1
      }
      throw e
    }
    gate.open(host.fetch)
    process.stdout.write(
      `fnhost serving ${dir}\n${routeTable(host.registry)}\n\nlistening on ${server.url}\n`,
    )

    const signal = await stopped
    logger.info(`${signal}: finishing in-flight requests (up to ${graceMs} ms)`)
    gate.drain()
    await server.close()
    await host[Symbol.asyncDispose]()
    return 0
  })
}

/**
 * Resolves on the first SIGINT or SIGTERM. Installed before anything starts, and left installed
 * while draining: a signal meeting no listener would kill the process (Node's default action).
 */
function firstSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.on('SIGINT', resolve).on('SIGTERM', resolve)
  })
}
