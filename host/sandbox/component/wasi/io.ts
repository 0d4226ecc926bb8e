/**
 * wasi:io (error, poll, streams) as the host serves it to components: in-memory streams over
 * bytes the host already holds, and sinks the host drains. Values follow jco's representation:
 * result = { tag: 'ok' | 'err', val }, u64 = bigint, list<u8> = Uint8Array.
 */

export type Result<T, E> = { tag: 'ok'; val: T } | { tag: 'err'; val: E }
export const ok = <T>(val: T): Result<T, never> => ({ tag: 'ok', val })
export const err = <E>(val: E): Result<never, E> => ({ tag: 'err', val })

export class IoError {
  constructor(private readonly message: string) {}
  toDebugString(): string {
    return this.message
  }
}

type StreamError = { tag: 'closed' } | { tag: 'last-operation-failed'; val: IoError }
const CLOSED: StreamError = { tag: 'closed' }

/** Sleeps this thread: a guest blocking on a clock really waits (the deadline still applies). */
const sleeper = new Int32Array(new SharedArrayBuffer(4))

export class Pollable {
  /** Monotonic time (ns) when ready; undefined: ready now. */
  constructor(private readonly until?: bigint) {}
  ready(): boolean {
    return this.until === undefined || process.hrtime.bigint() >= this.until
  }
  block(): void {
    if (this.until === undefined) return
    const ms = Number(this.until - process.hrtime.bigint()) / 1e6
    if (ms > 0) Atomics.wait(sleeper, 0, 0, ms)
  }
}

/** poll(list<borrow<pollable>>) -> list<u32>: blocks until one is ready, then names every ready one. */
export function poll(pollables: Pollable[]): Uint32Array {
  if (pollables.length === 0) throw new Error('poll of an empty list')
  for (;;) {
    const ready = pollables.flatMap((p, i) => (p.ready() ? [i] : []))
    if (ready.length > 0) return Uint32Array.from(ready)
    pollables[0]!.block()
  }
}

/** Host-side reads are bounded, so a guest asking for 2^64 bytes gets a chunk, not a host crash. */
const MAX_READ = 1024 * 1024

export class InputStream {
  private at = 0
  constructor(private readonly bytes: Uint8Array) {}

  read(len: bigint): Result<Uint8Array, StreamError> {
    if (this.at >= this.bytes.byteLength) return err(CLOSED)
    const n = len < BigInt(MAX_READ) ? Number(len) : MAX_READ
    const chunk = this.bytes.subarray(this.at, this.at + n)
    this.at += chunk.byteLength
    return ok(chunk)
  }
  blockingRead(len: bigint): Result<Uint8Array, StreamError> {
    return this.read(len)
  }
  skip(len: bigint): Result<bigint, StreamError> {
    const r = this.read(len)
    return r.tag === 'ok' ? ok(BigInt(r.val.byteLength)) : r
  }
  blockingSkip(len: bigint): Result<bigint, StreamError> {
    return this.skip(len)
  }
  subscribe(): Pollable {
    return new Pollable()
  }
}

/** Where an output stream's bytes go; false: refused (a cap was reached), reported as a failure. */
export interface Sink {
  write(data: Uint8Array): boolean
  /** True once the owner closed it (a finished body). */
  readonly closed?: boolean
}

/** What check-write grants per call; writes are copied out of guest memory at once. */
const WRITE_BUDGET = 1024 * 1024

export class OutputStream {
  constructor(private readonly sink: Sink) {}

  private put(data: Uint8Array): Result<undefined, StreamError> {
    if (this.sink.closed) return err(CLOSED)
    if (!this.sink.write(data))
      return err({ tag: 'last-operation-failed', val: new IoError('output limit reached') })
    return ok(undefined)
  }
  checkWrite(): Result<bigint, StreamError> {
    return this.sink.closed ? err(CLOSED) : ok(BigInt(WRITE_BUDGET))
  }
  write(contents: Uint8Array): Result<undefined, StreamError> {
    return this.put(contents)
  }
  blockingWriteAndFlush(contents: Uint8Array): Result<undefined, StreamError> {
    return this.put(contents)
  }
  flush(): Result<undefined, StreamError> {
    return this.sink.closed ? err(CLOSED) : ok(undefined)
  }
  blockingFlush(): Result<undefined, StreamError> {
    return this.flush()
  }
  writeZeroes(len: bigint): Result<undefined, StreamError> {
    if (len > BigInt(WRITE_BUDGET)) return err(CLOSED)
    return this.put(new Uint8Array(Number(len)))
  }
  blockingWriteZeroesAndFlush(len: bigint): Result<undefined, StreamError> {
    return this.writeZeroes(len)
  }
  splice(src: InputStream, len: bigint): Result<bigint, StreamError> {
    const r = src.read(len)
    if (r.tag === 'err') return r
    const w = this.put(r.val)
    return w.tag === 'ok' ? ok(BigInt(r.val.byteLength)) : w
  }
  blockingSplice(src: InputStream, len: bigint): Result<bigint, StreamError> {
    return this.splice(src, len)
  }
  subscribe(): Pollable {
    return new Pollable()
  }
}
