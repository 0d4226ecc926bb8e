import { pino, type Level } from 'pino'
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
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream === process.stderr
      ? pino.destination({ fd: 2, sync: true })
      : stream === process.stdout
        ? pino.destination({ fd: 1, sync: true })
        : stream,
  )
  return createLogger((line) => out[line.level as Level](jsonFields(line), line.message))
}

/** The line's fields under their JSON names: `fn` is spelled out as `function`. */
function jsonFields(line: LogLine): Record<string, unknown> {
  const { fn, ...rest } = line.fields
  return fn === undefined ? rest : { function: fn, ...rest }
}
