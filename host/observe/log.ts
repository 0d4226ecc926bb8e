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
  /** The access line of one answered request (an info line; see accessMessage, accessFields). */
  access(entry: AccessEntry): void
}

/**
 * One answered request as the access log records it. Built once per request with this shape
 * (always every key, in this order), kept as is by the log store, formatted only where it is
 * written or read.
 */
export interface AccessEntry {
  /** When it was logged (Date.now()). */
  at: number
  fn: string | undefined
  requestId: string | undefined
  method: string
  /** As it came, still percent-encoded, without the query. */
  path: string
  status: number
  /** How long the request took, ms, unrounded. */
  elapsedMs: number
  traceparent: string
}

/** The access line's message: `GET /path 200 1.2ms`. */
export function accessMessage(e: AccessEntry): string {
  return `${e.method} ${e.path} ${e.status} ${e.elapsedMs.toFixed(1)}ms`
}

/** The duration an access line reports, in ms with one decimal. */
export function accessDuration(e: AccessEntry): number {
  return Math.round(e.elapsedMs * 10) / 10
}

/** The access line's fields, as any other line carries them. */
export function accessFields(e: AccessEntry): LogFields {
  return {
    fn: e.fn,
    requestId: e.requestId,
    method: e.method,
    path: e.path,
    status: e.status,
    durationMs: accessDuration(e),
    traceparent: e.traceparent,
  }
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

/**
 * A line logger; `sink` defaults to stderr so stdout stays free for command output. Access lines
 * reach `sink` as info lines unless `access` writes them itself (the JSON output does).
 */
export function createLogger(
  sink: (line: LogLine) => void = (l) => process.stderr.write(formatPretty(l) + '\n'),
  access?: (entry: AccessEntry) => void,
): Logger {
  const emit = (level: string, message: string, fields: LogFields = {}, ms = Date.now()) =>
    sink({ level, message, fields, ms })
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    guest: (level, m, f) => emit(level === 'log' ? 'info' : level, m, { ...f, src: 'guest' }),
    access: access ?? ((e) => emit('info', accessMessage(e), accessFields(e), e.at)),
  }
}

export const silentLogger: Logger = createLogger(
  () => {},
  () => {},
)

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
