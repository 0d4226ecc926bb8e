import type { InvocationLog, LogLevel } from '../sandbox/types.js'

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

export function formatLine(line: LogLine): string {
  const tags = Object.entries(line.fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')
  return `${line.time.toISOString()} ${line.level.toUpperCase().padEnd(5)} ${tags ? `[${tags}] ` : ''}${line.message}`
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

export const INVOCATION_LOG_CAP = 128 * 1024

/** A guest's log for one invocation, capped in bytes; one notice marks where output was dropped. */
export function invocationLog(
  logger: Logger,
  fields: LogFields,
  capBytes = INVOCATION_LOG_CAP,
): InvocationLog {
  let used = 0
  let full = false
  return {
    get full() {
      return full
    },
    write(level, message) {
      if (full) return
      const size = Buffer.byteLength(message)
      if (used + size > capBytes) {
        full = true
        const room = Math.max(0, capBytes - used)
        if (room > 0) logger.guest(level, message.slice(0, room), fields)
        logger.warn(`guest log cap of ${capBytes} bytes reached; further output dropped`, fields)
        return
      }
      used += size
      logger.guest(level, message, fields)
    },
  }
}
