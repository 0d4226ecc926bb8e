import { pino, type Level } from 'pino'
import { isoTime } from './iso-time.js'
import { createLogger, formatPretty, type Logger, type LogLine } from './log.js'

export type LogFormat = 'pretty' | 'json'
export const LOG_FORMATS: readonly LogFormat[] = ['pretty', 'json']

/** Pretty for a person at a terminal, JSON lines for a collector reading a pipe or a file. */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stderr): LogFormat {
  return stream.isTTY ? 'pretty' : 'json'
}

/**
 * The host's log in the chosen format, on stderr by default (stdout stays free for command
 * output). JSON lines are written by pino: `{"level","time","msg","function","requestId",...}`.
 */
export function createOutputLogger(
  format: LogFormat,
  stream: NodeJS.WritableStream = process.stderr,
): Logger {
  if (format === 'pretty') return createLogger((l) => stream.write(formatPretty(l) + '\n'))
  const out = pino(
    {
      base: null,
      level: 'debug',
      timestamp: () => `,"time":"${isoTime(Date.now())}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream === process.stderr
      ? turnBatched(2)
      : stream === process.stdout
        ? turnBatched(1)
        : stream,
  )
  return createLogger((line) => out[line.level as Level](jsonFields(line), line.message))
}

/** The line's fields under their JSON names: `fn` is spelled out as `function`. */
function jsonFields(line: LogLine): Record<string, unknown> {
  const { fields } = line
  if (fields.fn === undefined) return fields
  const out: Record<string, unknown> = { function: fields.fn }
  for (const key in fields) if (key !== 'fn') out[key] = fields[key]
  return out
}

/**
 * A file descriptor written once per event-loop turn: the lines of one turn (under load, one
 * access line per request, dozens a turn) go out in one write instead of one each, which was most
 * of what JSON logs cost a busy host. Writes stay synchronous (pino's own destination, which
 * waits out a full pipe), and whatever is pending is written when the process exits.
 */
function turnBatched(fd: number): { write(line: string): boolean } {
  const dest = pino.destination({ fd, sync: true })
  let pending: string[] = []
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending.length === 0) return
    const data = pending.join('')
    pending = []
    dest.write(data)
  }
  process.on('exit', flush)
  return {
    write(line: string): boolean {
      pending.push(line)
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
      return true
    },
  }
}
