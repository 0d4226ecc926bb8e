import {
  CappedLog,
  INVOCATION_LOG_CAP,
  type InvocationLog,
  type LogCap,
  type LogLevel,
} from './invocation-log.js'
import { escapeLogText } from './escape.js'
import { isoTime } from './iso-time.js'

export interface LogFields {
  fn?: string
  requestId?: string
  [key: string]: string | number | undefined
}

export interface Logger {
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  /** Output of a guest, attributed to its function and request. */
  guest(level: LogLevel, message: string, fields: LogFields): void
}

/** `ms`: when it was logged (Date.now()). */
export type LogLine = { level: string; message: string; fields: LogFields; ms: number }

/** Fields an access line already shows in its message; the pretty form does not repeat them. */
const SHOWN_IN_MESSAGE = new Set(['method', 'path', 'status', 'durationMs'])

/** One line for a human: every part escaped, so no field can break the line or forge another. */
export function formatPretty(line: LogLine): string {
  const tags = Object.entries(line.fields)
    .filter(([k, v]) => v !== undefined && !SHOWN_IN_MESSAGE.has(k))
    .map(([k, v]) => `${escapeLogText(k)}=${escapeLogText(String(v))}`)
    .join(' ')
  return `${isoTime(line.ms)} ${line.level.toUpperCase().padEnd(5)} ${tags ? `[${tags}] ` : ''}${escapeLogText(line.message)}`
}

/** A line logger; `sink` defaults to stderr so stdout stays free for command output. */
export function createLogger(
  sink: (line: LogLine) => void = (l) => process.stderr.write(formatPretty(l) + '\n'),
): Logger {
  const emit = (level: string, message: string, fields: LogFields = {}) =>
    sink({ level, message, fields, ms: Date.now() })
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    guest: (level, m, f) => emit(level === 'log' ? 'info' : level, m, { ...f, src: 'guest' }),
  }
}

export const silentLogger: Logger = createLogger(() => {})

/** A guest's log for one invocation, capped; one notice marks where output was dropped. */
export function invocationLog(
  logger: Logger,
  fields: LogFields,
  cap: LogCap = INVOCATION_LOG_CAP,
): InvocationLog {
  return new CappedLog(
    (level, message) => logger.guest(level, message, fields),
    (cap) =>
      logger.warn(
        `guest log cap reached (${cap.bytes} bytes or ${cap.lines} lines per invocation); further output dropped`,
        fields,
      ),
    cap,
  )
}
