import { pino, type Level } from 'pino'
import { accessJson } from './access-json.js'
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
  const dest =
    stream === process.stderr ? batchedFd(2) : stream === process.stdout ? batchedFd(1) : stream
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

/** How long a JSON line may wait before it is written, at most. */
export const LOG_FLUSH_MS = 10
/** Pending lines past this many characters are written at once. */
export const LOG_FLUSH_CHARS = 16 * 1024

/**
 * What may wait in memory for a reader that does not keep up (a full pipe): past it, lines are
 * dropped rather than held or waited for.
 */
export const LOG_BUFFER_MAX_CHARS = 16 * 1024 * 1024

/**
 * A file descriptor written in batches: the lines logged within LOG_FLUSH_MS (under load, one
 * access line per request, hundreds of them) go out in one write, sooner when LOG_FLUSH_CHARS
 * are pending. A write per line, or even per event-loop turn, was most of what JSON logs cost a
 * busy host (the syscall, and waking the reader of the pipe). Writes are asynchronous (pino's
 * destination in its async mode): a reader slower than the host (a pipe that fills) never blocks
 * the event loop; up to LOG_BUFFER_MAX_CHARS wait for it, and lines past that are dropped.
 * Whatever is pending is written synchronously when the process exits; a process killed outright
 * loses at most the lines of the last LOG_FLUSH_MS and the write in flight.
 */
export function batchedFd(fd: number): { write(line: string): boolean } {
  let exiting = false
  const dest = pino.destination({
    fd,
    sync: false,
    maxLength: LOG_BUFFER_MAX_CHARS,
    // A full pipe is waited out while serving (off the event loop), never at exit: a reader that
    // stopped reading must not keep the process from ending.
    retryEAGAIN: () => !exiting,
  })
  // A reader that went away (EPIPE) ends the output, not the host: later lines are dropped, and
  // there is nowhere left to say so.
  let broken = false
  dest.on('error', () => (broken = true))
  let pending: string[] = []
  let chars = 0
  let timer: NodeJS.Timeout | undefined
  const flush = () => {
    if (timer) clearTimeout(timer)
    timer = undefined
    if (broken) pending = []
    if (pending.length === 0) return
    const data = pending.join('')
    pending = []
    chars = 0
    dest.write(data)
  }
  process.on('exit', () => {
    flush()
    exiting = true
    if (broken) return
    try {
      dest.flushSync()
    } catch {
      // Closed or broken output at exit: nothing left to write to.
    }
  })
  return {
    write(line: string): boolean {
      pending.push(line)
      chars += line.length
      if (chars >= LOG_FLUSH_CHARS) flush()
      else if (!timer) timer = setTimeout(flush, LOG_FLUSH_MS)
      return true
    },
  }
}
