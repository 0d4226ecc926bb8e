import { createApp } from './app.js'
import { createLogger, type Logger } from './observe/log.js'
import { Registry } from './registry/registry.js'
import { loadInProcess } from './sandbox/index.js'
import type { FunctionLoader } from './sandbox/types.js'

export interface HostOptions {
  dir: string
  watch?: boolean
  logger?: Logger
  accessLog?: boolean
  /** How functions are loaded; defaults to this thread. */
  loader?: FunctionLoader
  /** Worker threads that run the sandboxes; 0 runs them on this thread. */
  workers?: number
}

export interface Host extends AsyncDisposable {
  readonly registry: Registry
  readonly app: ReturnType<typeof createApp>
  readonly fetch: (req: Request) => Response | Promise<Response>
}

/** A functions folder, scanned and (optionally) watched, behind the Hono app. */
export async function createHost(options: HostOptions): Promise<Host> {
  const logger = options.logger ?? createLogger()
  const registry = new Registry({
    dir: options.dir,
    loader: options.loader ?? loadInProcess,
    logger,
    watch: options.watch ?? true,
  })
  await registry.start()
  const app = createApp({ registry, logger, accessLog: options.accessLog })
  return {
    registry,
    app,
    fetch: (req) => app.fetch(req),
    [Symbol.asyncDispose]: () => registry[Symbol.asyncDispose](),
  }
}
