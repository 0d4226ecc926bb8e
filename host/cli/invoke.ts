import { readFile } from 'node:fs/promises'
import { STATUS_CODES } from 'node:http'
import { dirname, resolve } from 'node:path'
import { errorResponse, toFnhostError } from '../errors.js'
import { createHost } from '../host.js'
import { dispatch } from '../http/dispatch.js'
import { createLogger } from '../observe/log.js'
import { toWebResponse } from '../response.js'
import { parse, UsageError, withUsage } from './args.js'
import { boardOption } from './invoke-board.js'

/** Past the function's own deadline, how long invoke waits for the pool's answer. */
const INVOKE_GRACE_MS = 2_000

const USAGE =
  "usage: fnhost invoke <file> [-X METHOD] [-d DATA|@file] [-H 'name: value'] [--path /p] [-i]\n" +
  '                     [--board mps2-an505|mps2-an385|native]\n' +
  '  runs the function once, through the same checks as serve, and prints its response body\n' +
  '  (--board: an fnmicro module on that microcontroller target, QEMU for the boards)\n' +
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
        board: { type: 'string' },
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
    const board = boardOption(values.board)
    const headers = headerPairs(values.header ?? [])
    if (values.path !== undefined && !values.path.startsWith('/'))
      throw new UsageError(`--path must start with /, got '${values.path}'`)
    const file = resolve(target)
    const body = await requestBody(values.data)
    const method = values.request ?? (body === undefined ? 'GET' : 'POST')
    const requestId = crypto.randomUUID()
    const logger = createLogger()
    // One worker, so the watchdog stops a function that never yields (a wasm loop, a huge sort).
    await using host = await createHost({
      dir: dirname(file),
      files: [file],
      logger,
      pool: { workers: 1, warmSpare: false, warmup: false },
      // --board: the function as if its config named that board (fnmicro modules only).
      overrides: board === undefined ? undefined : { board },
    })
    const slot = host.registry.list()[0]
    if (!slot) {
      process.stderr.write(`fnhost: ${target} is not a function file\n`)
      return 2
    }
    const path = values.path ?? slot.routes[0] ?? '/'
    const req = new Request(new URL(path, 'http://localhost'), {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
      signal: AbortSignal.timeout((slot.spec?.config.timeoutMs ?? 0) + INVOKE_GRACE_MS),
    })
    let res: Response
    let failed = false
    try {
      res = toWebResponse(await dispatch(host.registry, req, { requestId, logger }), requestId)
    } catch (e) {
      failed = true
      res = errorResponse(toFnhostError(e), requestId)
    }
    if (values.include) {
      const head = [`HTTP ${res.status} ${STATUS_CODES[res.status] ?? ''}`.trimEnd()]
      res.headers.forEach((v, k) => head.push(`${k}: ${v}`))
      process.stdout.write(head.join('\n') + '\n\n')
    }
    process.stdout.write(new Uint8Array(await res.arrayBuffer()))
    return failed ? 1 : 0
  })
}
