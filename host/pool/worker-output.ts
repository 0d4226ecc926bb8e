import type { GuestResponse } from '../invocation.js'
import { CappedLog, type LogCap, type LogLevel } from '../observe/invocation-log.js'
import type { FromWorker } from './protocol.js'
import { ownedBuffer } from './wire.js'

type Post = (msg: FromWorker, transfer?: ArrayBuffer[]) => void

/** What a pool worker sends back of an invocation: its log lines and its answer. */
export function workerOutput(post: Post, logCap: LogCap) {
  /**
   * Guest output under the invocation's caps, sent in batches: one message per event-loop turn at
   * most, however many lines the guest writes, so log volume never floods the port.
   */
  function batchedLog(task: number): CappedLog & { flush(): void } {
    let lines: [LogLevel, string][] = []
    let scheduled = false
    const flush = () => {
      scheduled = false
      if (lines.length === 0) return
      post({ type: 'logs', task, lines, full: log.full })
      lines = []
    }
    const log = new CappedLog(
      (level, message) => {
        lines.push([level, message])
        if (!scheduled) {
          scheduled = true
          setImmediate(flush)
        }
      },
      undefined,
      logCap,
    )
    return Object.assign(log, { flush })
  }

  function sendChunk(task: number, chunk: Uint8Array): void {
    const data = ownedBuffer(chunk)
    post({ type: 'chunk', task, data }, [data])
  }

  async function sendResponse(task: number, res: GuestResponse, after: boolean): Promise<void> {
    const { status, headers, body } = res
    if (body === null) return post({ type: 'response', task, status, headers, body: null, after })
    if (body instanceof Uint8Array) {
      const data = ownedBuffer(body)
      return post({ type: 'response', task, status, headers, body: data, after }, [data])
    }
    // A streamed body that turns out to be one chunk crosses whole, in the response message.
    const chunks = body[Symbol.asyncIterator]()
    const first = await chunks.next()
    if (first.done)
      return post({ type: 'response', task, status, headers, body: new ArrayBuffer(0), after })
    const second = await chunks.next()
    if (second.done) {
      const data = ownedBuffer(first.value)
      return post({ type: 'response', task, status, headers, body: data, after }, [data])
    }
    post({ type: 'response', task, status, headers, body: 'stream' })
    sendChunk(task, first.value)
    sendChunk(task, second.value)
    for (let next = await chunks.next(); !next.done; next = await chunks.next())
      sendChunk(task, next.value)
    post({ type: 'end', task, after })
  }

  return { batchedLog, sendResponse }
}
