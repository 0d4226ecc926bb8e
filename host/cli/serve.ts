import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { KeyConfigError } from '../auth/keys.js'
import { createHost } from '../host.js'
import { HostConfigError } from '../host-config.js'
import { createLogger } from '../observe/log.js'
import { FunctionsDirError } from '../registry/registry.js'
import { ListenError, serve } from '../server.js'
import { intOption, parse, UsageError, withUsage } from './args.js'
import { configOverrides, CONFIG_FLAGS, CONFIG_USAGE } from './config-flags.js'
import { mergeHostConfig } from '../host-config.js'
import { routeTable } from './routes-table.js'
import { kvFlags } from './kv-flags.js'

const USAGE =
  'usage: fnhost serve [dir] [--port N] [--host H] [--workers N] [--no-watch] [--quiet]\n' +
  '                    [--data DIR] [--kv-redis URL]\n' +
  '  dir defaults to ./functions, --port to $PORT or 8080, --host to 127.0.0.1,\n' +
  '  --workers to the number of cores; --quiet drops the per-request log line;\n' +
  '  --data: the key-value store folder (default .fnhost-data beside dir);\n' +
  '  --kv-redis: keep the key-value store in this Redis instead (redis://host:port)\n' +
  CONFIG_USAGE

export function run(argv: string[]): Promise<number> {
  return withUsage(USAGE, async () => {
    const { values, positionals } = parse(argv, {
      allowPositionals: true,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        workers: { type: 'string', short: 'w' },
        'no-watch': { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        data: { type: 'string' },
        'kv-redis': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...CONFIG_FLAGS,
      },
    })
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
    const logger = createLogger()

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
      })
    } catch (e) {
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
    }
    let server
    try {
      server = await serve({ fetch: host.fetch, port, host: values.host ?? '127.0.0.1' })
    } catch (e) {
      await host[Symbol.asyncDispose]()
      if (e instanceof ListenError) {
        process.stderr.write(`fnhost: ${e.message}\n`)
        return 1
      }
      throw e
    }
    process.stdout.write(
      `fnhost serving ${dir}\n${routeTable(host.registry)}\n\nlistening on ${server.url}\n`,
    )

    await new Promise<void>((done) => {
      const stop = (signal: string) => {
        process.off('SIGINT', stop).off('SIGTERM', stop)
        logger.info(`${signal}: finishing in-flight requests`)
        done()
      }
      process.on('SIGINT', stop).on('SIGTERM', stop)
    })
    await server.close()
    await host[Symbol.asyncDispose]()
    return 0
  })
}
