import { isoTime } from './iso-time.js'
import { accessFields, accessMessage, type AccessEntry, type Logger, type LogLine } from './log.js'

/** One log line as the management API returns and streams it. */
export interface StoredLine {
  time: string
  level: string
  message: string
  function?: string
  requestId?: string
  [field: string]: string | number | undefined
}

export const RING_LINES = 1000
/** A stored message is cut here: 1,000 lines per function must stay a bounded amount of memory. */
export const STORED_MESSAGE_CHARS = 8192

/**
 * A line as it was logged, kept until someone reads it: the API form (an ISO time, the fields
 * spread in) is built on read, not for each of the many lines a busy host logs and never reads.
 */
interface Kept {
  ms: number
  level: string
  message: string
  fields: LogLine['fields']
}

/** An access line is kept as the entry the request built: nothing more is made per request. */
type Line = Kept | AccessEntry

const isAccess = (line: Line): line is AccessEntry => 'elapsedMs' in line

/** The last `capacity` lines of one function, oldest first. */
class Ring {
  private readonly items: Line[] = []
  private next = 0

  constructor(private readonly capacity: number) {}

  push(line: Line): void {
    if (this.items.length < this.capacity) this.items.push(line)
    else this.items[this.next] = line
    this.next = (this.next + 1) % this.capacity
  }

  toArray(): StoredLine[] {
    const { items, next } = this
    const ordered =
      items.length < this.capacity ? items : [...items.slice(next), ...items.slice(0, next)]
    return ordered.map(toStored)
  }
}

type Listener = (line: StoredLine) => void

/**
 * Recent log lines in memory: per function, the last 1,000 (host lines about it and its guest's
 * console output), and live followers. Listeners are called synchronously and must not block:
 * a follower buffers and drops itself when it falls behind.
 */
export class LogStore {
  private readonly rings = new Map<string, Ring>()
  private readonly listeners = new Set<{ fn?: string; listener: Listener; end: () => void }>()

  constructor(private readonly capacity = RING_LINES) {}

  add(level: string, message: string, fields: LogLine['fields']): void {
    const kept: Kept = {
      ms: Date.now(),
      level,
      message: cut(message),
      fields,
    }
    this.keep(fields.fn, kept)
  }

  /** An access line: the entry itself is kept, its message and fields are made when read. */
  addAccess(entry: AccessEntry): void {
    this.keep(entry.fn, entry)
  }

  private keep(fn: string | undefined, line: Line): void {
    if (fn !== undefined) {
      let ring = this.rings.get(fn)
      if (!ring) this.rings.set(fn, (ring = new Ring(this.capacity)))
      ring.push(line)
    }
    if (this.listeners.size === 0) return
    const stored = toStored(line)
    for (const l of this.listeners) if (l.fn === undefined || l.fn === fn) l.listener(stored)
  }

  /** The function's recent lines, oldest first. */
  lines(fn: string): StoredLine[] {
    return this.rings.get(fn)?.toArray() ?? []
  }

  /**
   * Every new line (or only one function's) until unsubscribed; `end` is called when the store
   * ends all followers (the host shuts down). Returns the unsubscribe call.
   */
  follow(fn: string | undefined, listener: Listener, end: () => void = () => {}): () => void {
    const entry = { fn, listener, end }
    this.listeners.add(entry)
    return () => this.listeners.delete(entry)
  }

  /** Ends every follower, so open streams finish and a graceful shutdown need not wait for them. */
  endFollowers(): void {
    for (const entry of [...this.listeners]) {
      this.listeners.delete(entry)
      entry.end()
    }
  }

  get followers(): number {
    return this.listeners.size
  }

  /** Drops the lines of functions no longer deployed, so memory follows the registry. */
  retain(names: Set<string>): void {
    for (const name of this.rings.keys()) if (!names.has(name)) this.rings.delete(name)
  }
}

function toStored(line: Line): StoredLine {
  if (isAccess(line)) {
    const { fn, ...rest } = accessFields(line)
    const message = accessMessage(line)
    return {
      time: isoTime(line.at),
      level: 'info',
      message: cut(message),
      function: fn,
      ...rest,
    }
  }
  const { fn, ...rest } = line.fields
  return { time: isoTime(line.ms), level: line.level, message: line.message, function: fn, ...rest }
}

function cut(message: string): string {
  return message.length > STORED_MESSAGE_CHARS
    ? message.slice(0, STORED_MESSAGE_CHARS) + '…'
    : message
}

/** A logger that also records every line in `store`. */
export function teeLogger(logger: Logger, store: LogStore): Logger {
  const record = (level: string, message: string, fields: LogLine['fields'] = {}) =>
    store.add(level, message, fields)
  return {
    info(m, f) {
      logger.info(m, f)
      record('info', m, f)
    },
    warn(m, f) {
      logger.warn(m, f)
      record('warn', m, f)
    },
    error(m, f) {
      logger.error(m, f)
      record('error', m, f)
    },
    guest(level, m, f) {
      logger.guest(level, m, f)
      record(level === 'log' ? 'info' : level, m, { ...f, src: 'guest' })
    },
    access(entry) {
      logger.access(entry)
      store.addAccess(entry)
    },
  }
}
