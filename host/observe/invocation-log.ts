export type LogLevel = 'debug' | 'info' | 'log' | 'warn' | 'error'

/** Where a guest's console/stderr goes for one invocation; the host applies the caps. */
export interface InvocationLog {
  write(level: LogLevel, message: string): void
  /** True once a cap is reached: drivers may stop formatting output. */
  readonly full: boolean
  /** Another thread applied the cap and dropped output: mark it here too, once. */
  capped?(): void
}

/**
 * What one invocation may log: bytes count every line's separator too, so a flood of empty lines
 * fills the cap as surely as one long line does.
 */
export const INVOCATION_LOG_CAP = { bytes: 128 * 1024, lines: 1_000 }

export type LogCap = typeof INVOCATION_LOG_CAP

/**
 * The one capped guest log. Lines go to `sink` until either cap is reached; then the part that
 * still fits is kept and `onFull` is told once, so the reader sees where output was dropped.
 */
export class CappedLog implements InvocationLog {
  #bytes = 0
  #lines = 0
  #full = false

  constructor(
    private readonly sink: (level: LogLevel, message: string) => void,
    private readonly onFull: (cap: LogCap) => void = () => {},
    private readonly cap: LogCap = INVOCATION_LOG_CAP,
  ) {}

  get full(): boolean {
    return this.#full
  }

  capped(): void {
    if (this.#full) return
    this.#full = true
    this.onFull(this.cap)
  }

  write(level: LogLevel, message: string): void {
    if (this.#full) return
    const lines = countLines(message)
    const bytes = Buffer.byteLength(message) + lines
    if (this.#bytes + bytes <= this.cap.bytes && this.#lines + lines <= this.cap.lines) {
      this.#bytes += bytes
      this.#lines += lines
      this.sink(level, message)
      return
    }
    this.#full = true
    const fitting = fit(message, this.cap.bytes - this.#bytes, this.cap.lines - this.#lines)
    if (fitting !== '') this.sink(level, fitting)
    this.onFull(this.cap)
  }
}

function countLines(message: string): number {
  let n = 1
  for (let i = message.indexOf('\n'); i !== -1; i = message.indexOf('\n', i + 1)) n++
  return n
}

/** The longest prefix of `message` within `bytes` bytes (separators counted) and `lines` lines. */
function fit(message: string, bytes: number, lines: number): string {
  if (bytes <= 1 || lines <= 0) return ''
  let end = message.length
  let newline = -1
  for (let n = 0; n < lines; n++) {
    newline = message.indexOf('\n', newline + 1)
    if (newline === -1) break
  }
  if (newline !== -1) end = newline
  let out = message.slice(0, end)
  while (Buffer.byteLength(out) + countLines(out) > bytes)
    out = out.slice(0, Math.floor(out.length * 0.9))
  return out
}

/** A log that keeps nothing: warm-up calls and tests that ignore guest output. */
export const discardLog: InvocationLog = { full: true, write: () => undefined }
