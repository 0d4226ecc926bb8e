import type { StoredLine } from './log-store.js'

/** What one follower may hold unsent before it counts as too slow and is dropped. */
export const FOLLOW_BUFFER_BYTES = 1024 * 1024

/**
 * One live follower's queue. `push` never waits: the host's logging path must not slow down for
 * a reader; a follower whose queue passes its bound is closed instead (`dropped`).
 */
export class Follower {
  dropped = false
  closed = false
  private readonly queue: string[] = []
  private bytes = 0
  private wake: (() => void) | undefined

  constructor(
    private readonly maxBytes = FOLLOW_BUFFER_BYTES,
    private readonly onDrop: () => void = () => {},
  ) {}

  push(line: StoredLine): void {
    if (this.closed) return
    const data = JSON.stringify(line)
    if (this.bytes + data.length > this.maxBytes) {
      this.dropped = true
      this.close()
      this.onDrop()
      return
    }
    this.queue.push(data)
    this.bytes += data.length
    this.wakeUp()
  }

  close(): void {
    this.closed = true
    this.queue.length = 0
    this.bytes = 0
    this.wakeUp()
  }

  /** The next line to send, or undefined once the follower is closed. */
  async next(): Promise<string | undefined> {
    while (this.queue.length === 0 && !this.closed)
      await new Promise<void>((resolve) => (this.wake = resolve))
    const data = this.queue.shift()
    if (data !== undefined) this.bytes -= data.length
    return data
  }

  private wakeUp(): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }
}
