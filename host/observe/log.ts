import {
  CappedLog,
  INVOCATION_LOG_CAP,
  type InvocationLog,
  type LogCap,
  type LogLevel,
} from './invocation-log.js'

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

export type LogLine = { level: string; message: string; fields: LogFields; time: Date }

/**
 * Control characters (newlines, ANSI escapes, NUL...) shown as escapes, so nothing a client or a
 * guest sends can forge a line or drive the terminal.
 */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n'
    if (c === '\r') return '\\r'
    if (c === '\t') return '\\t'
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  })
}

export function formatLine(line: LogLine): string {
  const tags = Object.entries(line.fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${escapeControl(String(v))}`)
    .join(' ')
  return `${line.time.toISOString()} ${line.level.toUpperCase().padEnd(5)} ${tags ? `[${tags}] ` : ''}${escapeControl(line.message)}`
}

/** A line logger; `sink` defaults to stderr so stdout stays free for command output. */
export function createLogger(
  sink: (line: LogLine) => void = (l) => process.stderr.write(formatLine(l) + '\n'),
): Logger {
  const emit = (level: string, message: string, fields: LogFields = {}) =>
    sink({ level, message, fields, time: new Date() })
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
