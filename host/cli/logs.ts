import { formatPretty } from '../observe/log.js'
import type { StoredLine } from '../observe/log-store.js'
import { parse, UsageError, withUsage } from './args.js'
import { Remote, REMOTE_OPTIONS, REMOTE_USAGE } from './remote.js'

const USAGE =
  'usage: fnhost logs <name> [-f] [--json] [--url URL]\n' +
  "  prints the function's recent log lines (up to 1,000) from a running host;\n" +
  '  -f keeps following new lines until interrupted; --json prints them as JSON lines\n' +
  REMOTE_USAGE

export function run(argv: string[]): Promise<number> {
  return withUsage(USAGE, async () => {
    const { values, positionals } = parse(argv, {
      allowPositionals: true,
      options: {
        ...REMOTE_OPTIONS,
        follow: { type: 'boolean', short: 'f' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
    if (values.help) {
      process.stdout.write(USAGE + '\n')
      return 0
    }
    if (positionals.length !== 1) throw new UsageError('logs takes one function name')
    const name = positionals[0]!
    const remote = new Remote(values.url)
    const print = (line: StoredLine) =>
      process.stdout.write((values.json ? JSON.stringify(line) : pretty(line)) + '\n')
    // Subscribe before reading the backlog, so no line falls between the two.
    const stream = values.follow
      ? await remote.fetch(`/_fnhost/v1/logs?follow=1&function=${encodeURIComponent(name)}`)
      : undefined
    const res = await remote.fetch(remote.functionPath(name, 'logs'))
    const { lines } = (await res.json()) as { lines: StoredLine[] }
    for (const line of lines) print(line)
    if (!stream?.body) return 0
    const seen = new Set(lines.map((l) => JSON.stringify(l)))
    const stop = new AbortController()
    process.once('SIGINT', () => stop.abort())
    for await (const line of sseLines(stream.body, stop.signal))
      if (!seen.has(line)) print(JSON.parse(line) as StoredLine)
    return 0
  })
}

function pretty(line: StoredLine): string {
  const { time, level, message, ...fields } = line
  return formatPretty({
    ms: Date.parse(time),
    level,
    message,
    fields: { fn: fields.function, ...fields, function: undefined },
  })
}

/** The data of each `event: log` in a server-sent event stream. */
async function* sseLines(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  const reader = body.getReader()
  signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), {
    once: true,
  })
  let buffer = ''
  for (;;) {
    const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }))
    if (done) return
    buffer += decoder.decode(value, { stream: true })
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const event = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const fields = event.split('\n')
      if (!fields.includes('event: log')) continue
      const data = fields
        .filter((f) => f.startsWith('data: '))
        .map((f) => f.slice(6))
        .join('\n')
      yield data
    }
  }
}
