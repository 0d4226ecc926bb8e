import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { FnhostError, errorResponse, toFnhostError } from '../errors.js'
import { createLogger, invocationLog } from '../observe/log.js'
import { pathSegments, Router } from '../registry/routes.js'
import { scanFile } from '../registry/scan.js'
import { createPool } from '../pool/index.js'
import { parse, UsageError, withUsage } from './args.js'

const USAGE =
  "usage: fnhost invoke <file> [-X METHOD] [-d DATA|@file] [-H 'name: value'] [--path /p] [-i]\n" +
  '  runs the function once without a server and prints its response body\n' +
  '  (-i: status line and headers first); exit 0 ok, 1 the function failed, 2 usage'

async function requestBody(
  data: string | undefined,
): Promise<string | Uint8Array<ArrayBuffer> | undefined> {
  if (data === undefined) return undefined
  if (data.startsWith('@')) return new Uint8Array(await readFile(data.slice(1)))
  return data
}

function headerPairs(lines: string[]): [string, string][] {
  return lines.map((line) => {
    const i = line.indexOf(':')
    if (i <= 0) throw new UsageError(`-H takes 'name: value', got '${line}'`)
    return [line.slice(0, i).trim(), line.slice(i + 1).trim()]
  })
}

export function run(argv: string[]): Promise<number> {
  return withUsage(USAGE, async () => {
    const { values, positionals } = parse(argv, {
      allowPositionals: true,
      options: {
        request: { type: 'string', short: 'X' },
        data: { type: 'string', short: 'd' },
        header: { type: 'string', short: 'H', multiple: true },
        path: { type: 'string' },
        include: { type: 'boolean', short: 'i' },
        help: { type: 'boolean', short: 'h' },
      },
    })
    if (values.help) {
      process.stdout.write(USAGE + '\n')
      return 0
    }
    const [target] = positionals
    if (target === undefined || positionals.length > 1)
      throw new UsageError('invoke takes one function file')
    const headers = headerPairs(values.header ?? [])
    if (values.path !== undefined && !values.path.startsWith('/'))
      throw new UsageError(`--path must start with /, got '${values.path}'`)
    const file = resolve(target)
    const outcome = await scanFile(dirname(file), file)
    if ('failure' in outcome) {
      process.stderr.write(`fnhost: ${target} failed to load: ${outcome.failure.detail}\n`)
      return 1
    }
    const { spec } = outcome
    const path = values.path ?? spec.routes[0] ?? '/'
    const body = await requestBody(values.data)
    const method = values.request ?? (body === undefined ? 'GET' : 'POST')
    const requestId = crypto.randomUUID()
    const req = new Request(new URL(path, 'http://localhost'), {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
    })
    const router = new Router(spec.routes.map((r): [string, true] => [r, true]))
    const params = router.match(pathSegments(new URL(req.url).pathname))?.params ?? {}
    const logger = createLogger()
    const log = invocationLog(logger, { fn: spec.name, requestId })

    let res: Response
    let failed = false
    // One worker, so the watchdog stops a function that never yields (a wasm loop, a huge sort).
    await using pool = createPool({ workers: 1, warmSpare: false, warmup: [], logger })
    try {
      await using fn = await pool.load(spec)
      res = await fn.invoke(req, {
        deadline: Date.now() + spec.config.timeoutMs,
        signal: AbortSignal.timeout(spec.config.timeoutMs + 1000),
        requestId,
        params,
        log,
      })
    } catch (e) {
      failed = true
      res = errorResponse(e instanceof FnhostError ? e : toFnhostError(e), requestId)
    }
    if (values.include) {
      const head = [`HTTP ${res.status} ${res.statusText}`.trimEnd()]
      res.headers.forEach((v, k) => head.push(`${k}: ${v}`))
      process.stdout.write(head.join('\n') + '\n\n')
    }
    process.stdout.write(new Uint8Array(await res.arrayBuffer()))
    return failed ? 1 : 0
  })
}
