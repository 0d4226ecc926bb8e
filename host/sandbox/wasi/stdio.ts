import type { InvocationLog } from '../../observe/invocation-log.js'

/** What a guest may write to stdout in one request; past it, fd_write fails with EIO. */
export const STDOUT_CAP_BYTES = 16 * 1024 * 1024
/** A stderr line longer than this is logged in pieces, so a guest cannot grow host memory without newlines. */
const MAX_LINE_BYTES = 16 * 1024

/** Collects stdout as copied chunks, refusing writes past the cap. */
export class OutputBuffer {
  private chunks: Uint8Array<ArrayBuffer>[] = []
  size = 0
  overflowed = false

  constructor(private readonly cap = STDOUT_CAP_BYTES) {}

  /** Copies `data` out of guest memory; false (nothing written) once the cap would be passed. */
  write(data: Uint8Array): boolean {
    if (this.size + data.byteLength > this.cap) {
      this.overflowed = true
      return false
    }
    this.chunks.push(data.slice())
    this.size += data.byteLength
    return true
  }

  bytes(): Uint8Array<ArrayBuffer> {
    if (this.chunks.length === 1) return this.chunks[0] as Uint8Array<ArrayBuffer>
    const out = new Uint8Array(this.size)
    let at = 0
    for (const c of this.chunks) {
      out.set(c, at)
      at += c.byteLength
    }
    this.chunks = [out]
    return out
  }
}

/** stderr to the invocation log, one entry per line; writes always succeed, the log applies its cap. */
export class StderrLog {
  private pending: Uint8Array[] = []
  private pendingBytes = 0

  constructor(private readonly log: InvocationLog) {}

  write(data: Uint8Array): void {
    if (this.log.full) return
    let start = 0
    for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, start)) {
      this.push(data.subarray(start, i))
      this.flush()
      start = i + 1
    }
    if (start < data.byteLength) this.push(data.subarray(start))
    if (this.pendingBytes > MAX_LINE_BYTES) this.flush()
  }

  private push(part: Uint8Array): void {
    this.pending.push(part.slice())
    this.pendingBytes += part.byteLength
  }

  /** Logs what is left without a newline (called at the end of the run too). */
  flush(): void {
    if (this.pending.length === 0) return
    const parts = this.pending
    this.pending = []
    this.pendingBytes = 0
    const text = Buffer.concat(parts).toString('utf8')
    if (!this.log.full) this.log.write('log', text.endsWith('\r') ? text.slice(0, -1) : text)
  }
}
