import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import type { ParseArgsConfig } from 'node:util'
import { KeyConfigError } from '../auth/keys.js'
import { createHost } from '../host.js'
import { HostConfigError } from '../host-config.js'
import { ReadinessGate } from '../http/readiness.js'
import {
  createOutputLogger,
  defaultLogFormat,
  LOG_FORMATS,
  type LogFormat,
} from '../observe/log-output.js'
import { FunctionsDirError } from '../registry/registry.js'
import { ListenError, serve, SERVER_LIMITS } from '../server.js'
import { intOption, parse, UsageError, withUsage } from './args.js'
import { configOverrides, CONFIG_FLAGS, CONFIG_USAGE } from './config-flags.js'
import { mergeHostConfig } from '../host-config.js'
import { devListenAddress } from './dev.js'
import { routeTable } from './routes-table.js'
import { kvFlags } from './kv-flags.js'
import { dropEarlyWorkers } from '../pool/start-worker.js'
import { traceStart } from '../observe/start-trace.js'

const USAGE =
  'usage: fnhost serve [dir] [--port N] [--host H] [--workers N] [--grace-ms N] [--no-watch]\n' +
  '                    [--quiet] [--log-format pretty|json] [--no-cron] [--metrics-auth]\n' +
  '                    [--no-metrics] [--data DIR] [--kv-redis URL] [--dev]\n' +
  '  dir defaults to ./functions, --port to $PORT or 8080, --host to $HOST or 127.0.0.1,\n' +
  '  --workers to the number of cores, --grace-ms (how long SIGTERM waits for in-flight\n' +
  '  requests) to $FNHOST_GRACE_MS or 30000; --quiet drops the per-request log line;\n' +
  '  --log-format defaults to pretty on a terminal, json otherwise; --no-cron leaves schedules\n' +
  '  to an external scheduler (the trigger endpoint); --metrics-auth puts /_fnhost/metrics\n' +
  '  behind FNHOST_ADMIN_KEY; --dev (loopback --host only) opens the management API and the\n' +
  '  dashboard (/_fnhost/ui) without a key to this machine;\n' +
  '  --data: the key-value store folder (default .fnhost-data beside dir);\n' +
  '  --kv-redis: keep the key-value store in this Redis instead (redis://host:port)\n' +
  CONFIG_USAGE

/** A folder of at most this many functions loads them all at start (HostOptions.preload). */
const PRELOAD_MAX = 4

/** The flags of `fnhost serve` (deploy/knative manifests are checked against them). */
export const SERVE_OPTIONS = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  workers: { type: 'string', short: 'w' },
  'grace-ms': { type: 'string' },
  'no-watch': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  'log-format': { type: 'string' },
  'no-cron': { type: 'boolean' },
  'metrics-auth': { type: 'boolean' },
  'no-metrics': { type: 'boolean' },
  data: { type: 'string' },
  'kv-redis': { type: 'string' },
  dev: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  ...CONFIG_FLAGS,
} as const satisfies ParseArgsConfig['options']

export function run(argv: string[]): Promise<number> {
  traceStart('serve module loaded')
  return withUsage(USAGE, async () => {
    const { values, positionals } = parse(argv, { allowPositionals: true, options: SERVE_OPTIONS })
    if (values.help) {
      process.stdout.write(USAGE + '\n')
      return 0
    }
    if (positionals.length > 1) throw new Error(`serve takes one folder, got ${positionals.length}`)
    const dir = resolve(positionals[0] ?? './functions')
    const port = intOption(values.port ?? process.env.PORT, '--port', 8080)
    const workers = intOption(values.workers, '--workers', availableParallelism())
    if (workers < 1)
      throw new UsageError('--workers takes at least 1: every function runs in a worker thread')
    const graceMs = intOption(
      values['grace-ms'] ?? process.env.FNHOST_GRACE_MS,
      '--grace-ms',
      SERVER_LIMITS.drainTimeoutMs,
    )
    const format = values['log-format'] ?? defaultLogFormat(process.stdout)
    if (!LOG_FORMATS.includes(format as LogFormat))
      throw new UsageError(`--log-format is pretty or json, got '${format}'`)
    const adminKey = process.env.FNHOST_ADMIN_KEY || undefined
    if (values['metrics-auth'] && !adminKey)
      throw new UsageError('--metrics-auth needs FNHOST_ADMIN_KEY to be set')
    const listen = values.host ?? (process.env.HOST || '127.0.0.1')
    // Refused before anything listens: --dev opens the management API without a key.
    const listenHost = values.dev ? await devListenAddress(listen) : listen
    // Logs go to stdout, where container platforms collect them; fatal errors stay on stderr.
    const logger = createOutputLogger(format as LogFormat, process.stdout)

    const stopped = firstSignal()
    // Listen before the first scan so a platform's probes get an answer (503 until it has loaded).
    const gate = new ReadinessGate()
    let server
    try {
      server = await serve({
        fetch: gate.fetch,
        port,
        host: listenHost,
        limits: { drainTimeoutMs: graceMs },
      })
    } catch (e) {
      if (e instanceof ListenError) {
        process.stderr.write(`fnhost: ${e.message}\n`)
        return 1
      }
      throw e
    }
    traceStart('listening')
    const prepare = () => void server.prepare()
    let host
    try {
      host = await createHost({
        dir,
        watch: !values['no-watch'],
        logger,
        accessLog: !values.quiet,
        pool: { workers },
        dataDir: values.data === undefined ? undefined : resolve(values.data),
        config: mergeHostConfig(
          configOverrides(values, process.env),
          kvFlags(values['kv-redis']) ?? {},
        ),
        adminKey,
        metricsNeedKey: values['metrics-auth'],
        metrics: !values['no-metrics'],
        cron: !values['no-cron'],
        dev: values.dev,
        preload: PRELOAD_MAX,
        whileChecking: prepare,
      })
    } catch (e) {
      await server.close()
      if (e instanceof HostConfigError || e instanceof KeyConfigError) {
        process.stderr.write(`fnhost: ${e.message}\n`)
        return 1
      }
      if (e instanceof FunctionsDirError) {
        process.stderr.write(
          `fnhost: ${e.message}\n  create it, or pass the folder: fnhost serve <dir>\n`,
        )
        return 1
      }
      throw e
    } finally {
      // Started before the config was known (cli/main.ts); the pool took those it could use.
      dropEarlyWorkers()
    }
    traceStart('host ready')
    gate.open(host.fetch)
    process.stdout.write(
      `fnhost serving ${dir}\n${routeTable(host.registry)}\n\nlistening on ${server.url}\n` +
        dashboardLine(server.url, !!values.dev, !!(adminKey || host.config.admin?.key)),
    )
    // While the first client connects: the adapter (when no check loaded it), and Hono's router,
    // which compiles its matcher on its first match.
    const app = host.app
    setImmediate(() => {
      prepare()
      app.router.match('GET', '/')
    })

    const signal = await stopped
    logger.info(`${signal}: finishing in-flight requests (up to ${graceMs} ms)`)
    gate.drain()
    // Log followers would hold their streams open until the drain timeout: end them first.
    host.observe.logs.endFollowers()
    await server.close()
    await host[Symbol.asyncDispose]()
    return 0
  })
}

function dashboardLine(url: string, dev: boolean, keyed: boolean): string {
  if (dev) return `dashboard: ${url}/_fnhost/ui (dev mode: no key needed on this machine)\n`
  return keyed ? `dashboard: ${url}/_fnhost/ui (log in with the admin key)\n` : ''
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
