import { write as fsWrite, writeSync } from 'node:fs'
import { Socket } from 'node:net'

/** How long a line may wait before it is written, at most. */
export const LOG_FLUSH_MS = 50
/**
 * Pending bytes past this many are written at once. A write costs the busy host mostly per write,
 * not per byte (the reader it wakes takes the core for a while): with 16 KiB and 10 ms (about 45
 * access lines a write) the writes cost it 10 µs a line on 2 busy cores, with 64 KiB and 50 ms
 * about 2 µs.
 */
export const LOG_FLUSH_BYTES = 64 * 1024
/**
 * What may wait in memory for a reader that does not keep up (a full pipe): past it, lines are
 * dropped rather than held or waited for.
 */
export const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024
/** A non-blocking descriptor that was full is tried again after this long. */
const RETRY_MS = 50
/**
 * The batch lines are encoded into: twice the flush size, so a line of up to a third of it (in
 * characters, which are at most 3 bytes each) always fits without measuring it first.
 */
const BATCH_BYTES = 2 * LOG_FLUSH_BYTES

/**
 * The process's stdout or stderr when it is a pipe or a socket (Node made it non-blocking and writes
 * it from the event loop, straight away while the pipe has room): batches go through it with no
 * thread-pool round trip. Undefined for a file or a terminal.
 */
export function pipeOf(stream: NodeJS.WritableStream): Socket | undefined {
  return stream instanceof Socket && !(stream as { isTTY?: boolean }).isTTY ? stream : undefined
}

/**
 * A file descriptor written in batches: the lines logged within LOG_FLUSH_MS (under load, one
 * access line per request, hundreds of them) go out in one write, sooner when LOG_FLUSH_BYTES are
 * pending. A write per line, or even per event-loop turn, was most of what JSON logs cost a busy
 * host (the syscall, and waking the reader of the pipe). Each line is encoded into the batch as it
 * comes (no string of the whole batch is built); a batch is written from the thread pool, or
 * through `pipe` (pipeOf: the same descriptor as the process's non-blocking stdout or stderr),
 * so a reader slower than the host (a pipe that fills) never blocks the event loop; up to
 * LOG_BUFFER_MAX_BYTES wait for it, and lines past that are dropped. A reader that went away
 * (EPIPE) ends the output, not the host. Whatever is not written yet is written synchronously
 * when the process exits, without waiting for a reader that stopped (EAGAIN); through `pipe`, lines
 * behind bytes the full pipe still holds are dropped then (they would come out ahead of them). A
 * process killed outright loses at most the lines of the last LOG_FLUSH_MS and the batches queued.
 */
export function batchedFd(fd: number, pipe?: Socket): { write(line: string): boolean } {
  const batch = Buffer.allocUnsafeSlow(BATCH_BYTES)
  let used = 0
  let timer: NodeJS.Timeout | undefined
  /** Batches handed over and not yet written, oldest first; queue[0] is in flight while `writing`. */
  const queue: Buffer[] = []
  let queued = 0
  let writing = false
  let broken = false
  let exiting = false

  const pump = () => {
    if (writing || broken || queue.length === 0) return
    writing = true
    const chunk = queue[0] as Buffer
    fsWrite(fd, chunk, 0, chunk.length, null, (err, n) => {
      writing = false
      if (err) {
        if (err.code === 'EAGAIN' && !exiting) setTimeout(pump, RETRY_MS).unref()
        else {
          broken = true
          queue.length = 0
          queued = 0
        }
        return
      }
      queued -= n
      if (n < chunk.length) queue[0] = chunk.subarray(n)
      else queue.shift()
      pump()
    })
  }
  pipe?.on('error', () => (broken = true))
  const enqueue = (chunk: Buffer) => {
    if (pipe) {
      if (!broken && pipe.writableLength + chunk.length <= LOG_BUFFER_MAX_BYTES) pipe.write(chunk)
      return
    }
    if (broken || queued + chunk.length > LOG_BUFFER_MAX_BYTES) return
    queue.push(chunk)
    queued += chunk.length
    pump()
  }
  const flush = () => {
    if (timer) clearTimeout(timer)
    timer = undefined
    if (used === 0) return
    const chunk = Buffer.allocUnsafe(used)
    batch.copy(chunk, 0, 0, used)
    used = 0
    enqueue(chunk)
  }

  process.on('exit', () => {
    exiting = true
    if (pipe) {
      // Behind lines the pipe still holds, a line written now would come out first: dropped.
      if (!broken && used > 0 && pipe.writableLength === 0) queue.push(batch.subarray(0, used))
    } else flush()
    if (broken) return
    try {
      // The batch in flight is the thread pool's; the rest go now, in order.
      for (let i = writing ? 1 : 0; i < queue.length; i++) {
        let chunk = queue[i] as Buffer
        while (chunk.length > 0) chunk = chunk.subarray(writeSync(fd, chunk))
      }
    } catch {
      // A full pipe (not waited for at exit), or closed or broken output: nowhere to write.
    }
  })
  return {
    write(line: string): boolean {
      if (broken) return true
      if (line.length * 3 > BATCH_BYTES - used) {
        const bytes = Buffer.byteLength(line)
        if (bytes > BATCH_BYTES - used) {
          flush()
          if (bytes > BATCH_BYTES) {
            enqueue(Buffer.from(line))
            return true
          }
        }
      }
      used += batch.write(line, used)
      if (used >= LOG_FLUSH_BYTES) flush()
      else if (!timer) timer = setTimeout(flush, LOG_FLUSH_MS)
      return true
    },
  }
}
