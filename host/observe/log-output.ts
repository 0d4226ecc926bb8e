import { pino, type Level } from 'pino'
import { accessJson } from './access-json.js'
import { batchedFd, pipeOf } from './batched-fd.js'
import { isoTime } from './iso-time.js'
import { createLogger, formatPretty, type Logger, type LogLine } from './log.js'

export type LogFormat = 'pretty' | 'json'
export const LOG_FORMATS: readonly LogFormat[] = ['pretty', 'json']

/** Pretty for a person at a terminal, JSON lines for a collector reading a pipe or a file. */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stderr): LogFormat {
  return stream.isTTY ? 'pretty' : 'json'
}

/** Where lines may go besides a stream: anything that takes a whole line (batchedFd's result). */
export interface LineSink {
  write(line: string): boolean
}

/**
 * The host's log in the chosen format, on stderr by default (stdout stays free for command
 * output). JSON lines are written by pino: `{"level","time","msg","function","requestId",...}`,
 * access lines by accessJson in the same form; on stdout or stderr in batches (batchedFd).
 */
export function createOutputLogger(
  format: LogFormat,
  stream: NodeJS.WritableStream | LineSink = process.stderr,
): Logger {
  if (format === 'pretty') return createLogger((l) => stream.write(formatPretty(l) + '\n'))
  // Registered before batchedFd registers its own: at exit, access lines still waiting are
  // formatted into the batch before the batch is written.
  process.on('exit', () => access.drain())
  const dest: LineSink =
    stream === process.stderr
      ? batchedFd(2, pipeOf(process.stderr))
      : stream === process.stdout
        ? batchedFd(1, pipeOf(process.stdout))
        : stream
  const access = deferredLines(dest, accessJson)
  const out = pino(
    {
      base: null,
      level: 'debug',
      timestamp: () => `,"time":"${isoTime(Date.now())}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    // A line pino writes comes after every access line logged before it.
    {
      write(line: string) {
        access.drain()
        return dest.write(line)
      },
    },
  )
  // Access lines skip pino: one per request, written as the string pino would make.
  return createLogger(
    (line) => out[line.level as Level](jsonFields(line), line.message),
    (entry) => access.add(entry),
  )
}

/**
 * How long an access line may wait to be formatted. Formatting one in the middle of a request cost
 * the main thread ~5-7 µs (between requests, its code and data leave the CPU's caches); formatting
 * a turn's worth at the end of the event loop's turn (~12 under load), ~2.6 µs a line; every
 * 10 ms (~55 at 5,000 requests/s), ~1.8 µs. Measured in a served host, performance.now() around
 * the calls. The batch is written at most LOG_FLUSH_MS later anyway.
 */
export const ACCESS_DEFER_MS = 10

/**
 * Entries formatted and written together, up to ACCESS_DEFER_MS after the first of them is logged,
 * instead of one at a time as each is logged. The entries are kept anyway (the log store holds
 * them), so waiting costs no memory; `drain` writes the waiting ones now (before a line that must
 * follow them, and at exit).
 */
export function deferredLines<T>(
  dest: LineSink,
  format: (entry: T) => string,
): { add(entry: T): void; drain(): void } {
  let pending: T[] = []
  let timer: NodeJS.Timeout | undefined
  const drain = () => {
    if (timer) clearTimeout(timer)
    timer = undefined
    if (pending.length === 0) return
    const entries = pending
    pending = []
    for (const entry of entries) dest.write(format(entry))
  }
  return {
    add(entry) {
      pending.push(entry)
      timer ??= setTimeout(drain, ACCESS_DEFER_MS).unref()
    },
    drain,
  }
}

/** The line's fields under their JSON names: `fn` is spelled out as `function`. */
function jsonFields(line: LogLine): Record<string, unknown> {
  const { fields } = line
  if (fields.fn === undefined) return fields
  const out: Record<string, unknown> = { function: fields.fn }
  for (const key in fields) if (key !== 'fn') out[key] = fields[key]
  return out
}
