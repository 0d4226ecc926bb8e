import { PAGE_BYTES } from './limits.js'

export interface MemoryPoolOptions {
  initialPages: number
  /** The function's cap: no memory from this pool grows past it. */
  maximumPages: number
  /** Idle memories kept; a guest runs synchronously, so one per thread is the common need. */
  keep?: number
  /** A memory that grew past this is dropped instead of kept, bounding what idle functions hold. */
  retainBytes?: number
}

/**
 * Capped `WebAssembly.Memory` objects for one module, handed out zero-filled. Reusing them keeps
 * request latency flat: a fresh memory per request leaves V8 with external memory to collect,
 * which shows up as multi-millisecond GC pauses at p99.
 */
export class MemoryPool implements Disposable {
  private readonly free: WebAssembly.Memory[] = []
  private readonly keep: number
  private readonly retainBytes: number
  private disposed = false

  constructor(private readonly options: MemoryPoolOptions) {
    this.keep = options.keep ?? 2
    this.retainBytes = Math.max(
      options.retainBytes ?? 8 * 1024 * 1024,
      options.initialPages * PAGE_BYTES,
    )
  }

  get idle(): number {
    return this.free.length
  }

  /** Bytes the idle memories hold (zero-filled, so every page of them is in use). */
  get heldBytes(): number {
    let bytes = 0
    for (const memory of this.free) bytes += memory.buffer.byteLength
    return bytes
  }

  /** A zero-filled memory of at least the initial size; the caller gives it back with `release`. */
  take(): WebAssembly.Memory {
    if (this.disposed) throw new Error('memory pool used after dispose')
    return (
      this.free.pop() ??
      new WebAssembly.Memory({
        initial: this.options.initialPages,
        maximum: this.options.maximumPages,
      })
    )
  }

  /** Zeroes the memory now, so `take` stays cheap and no guest ever sees another's bytes. */
  release(memory: WebAssembly.Memory): void {
    if (this.disposed || this.free.length >= this.keep) return
    const buffer = memory.buffer
    if (buffer.byteLength > this.retainBytes) return
    new Uint8Array(buffer).fill(0)
    this.free.push(memory)
  }

  [Symbol.dispose](): void {
    this.disposed = true
    this.free.length = 0
  }
}
