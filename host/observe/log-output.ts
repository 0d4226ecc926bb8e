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

/**
 * The host's log in the chosen format, on stderr by default (stdout stays free for command
 * output). JSON lines are written by pino: `{"level","time","msg","function","requestId",...}`,
 * access lines by accessJson in the same form; on stdout or stderr in batches (batchedFd).
 */
export function createOutputLogger(
  format: LogFormat,
  stream: NodeJS.WritableStream = process.stderr,
): Logger {
  if (format === 'pretty') return createLogger((l) => stream.write(formatPretty(l) + '\n'))
  const dest =
    stream === process.stderr
      ? batchedFd(2, pipeOf(stream))
      : stream === process.stdout
        ? batchedFd(1, pipeOf(stream))
        : stream
  const out = pino(
    {
      base: null,
      level: 'debug',
      timestamp: () => `,"time":"${isoTime(Date.now())}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    dest,
  )
  // Access lines skip pino: one per request, written as the string pino would make.
  return createLogger(
    (line) => out[line.level as Level](jsonFields(line), line.message),
    (entry) => dest.write(accessJson(entry)),
  )
}

/** The line's fields under their JSON names: `fn` is spelled out as `function`. */
function jsonFields(line: LogLine): Record<string, unknown> {
  const { fields } = line
  if (fields.fn === undefined) return fields
  const out: Record<string, unknown> = { function: fields.fn }
  for (const key in fields) if (key !== 'fn') out[key] = fields[key]
  return out
}
