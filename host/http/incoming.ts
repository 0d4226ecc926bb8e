import type { Context } from 'hono'
import type { IncomingMessage } from 'node:http'
import { concatBytes } from '../bytes.js'
import type { HeaderList } from '../invocation.js'
import { readBody, tooLarge } from './body.js'

/**
 * What the host reads of a request's headers and body. Through @hono/node-server it reads the
 * Node request itself: node-server's Request is lazy, and touching its `headers` or `body` builds
 * an undici Headers (validating every entry again) or a whole Request per request, which is most
 * of what the host's own code cost per request. Elsewhere (`app.request()`, `fnhost invoke`), the
 * Web Request's.
 */
export interface RequestParts {
  /** A header's value, repeated names joined with ", " (as Headers.get). */
  get(name: string): string | null
  /** Every header as Headers iterates them: lower-case names, sorted, repeated names joined. */
  list(): HeaderList
  /**
   * The body up to `limit` bytes: a declared Content-Length over the limit is refused before a
   * byte is read, a body without one as soon as it passes the limit. Null when there is none.
   */
  body(limit: number): Promise<Uint8Array<ArrayBuffer> | null>
}

type NodeEnv = { incoming?: IncomingMessage } | undefined

const parts = new WeakMap<Request, RequestParts>()

/** The request's parts, from the Node request when the server gave one. */
export function requestParts(c: Context): RequestParts {
  const req = c.req.raw
  let found = parts.get(req)
  if (!found) {
    const incoming = (c.env as NodeEnv)?.incoming
    found = incoming?.rawHeaders ? nodeParts(incoming) : webParts(req)
    parts.set(req, found)
  }
  return found
}

function declaredTooLong(declared: string | null, limit: number): boolean {
  return declared !== null && Number(declared) > limit
}

export function webParts(req: Request): RequestParts {
  return {
    get: (name) => req.headers.get(name),
    list: () => [...req.headers],
    body: (limit) => readBody(req, limit),
  }
}

function nodeParts(incoming: IncomingMessage): RequestParts {
  const raw = incoming.rawHeaders
  const get = (name: string): string | null => {
    let value: string | null = null
    for (let i = 0; i < raw.length; i += 2)
      if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name)
        value = value === null ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`
    return value
  }
  return {
    get,
    list: () => sortedHeaders(raw),
    body: (limit) => {
      if (declaredTooLong(get('content-length'), limit)) return Promise.reject(tooLarge(limit))
      return readIncoming(incoming, limit)
    },
  }
}

/** Node's raw header list as Headers iterates it (set-cookie values stay apart, as there). */
function sortedHeaders(raw: string[]): HeaderList {
  const list: HeaderList = []
  const at = new Map<string, number>()
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    const value = raw[i + 1]!
    const seen = name === 'set-cookie' ? undefined : at.get(name)
    if (seen === undefined) {
      at.set(name, list.length)
      list.push([name, value])
    } else list[seen]![1] += `, ${value}`
  }
  return list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
}

/**
 * Reads a Node request's body. Past the limit it stops listening and leaves the rest unread:
 * the server drains it after the 413 is written, so the client gets its answer, not a reset.
 */
function readIncoming(
  incoming: IncomingMessage,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | null> {
  // A body already read (a GET's empty one) is empty, as node-server's Request body would be.
  if (incoming.readableEnded) return Promise.resolve(new Uint8Array(0))
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = []
    let size = 0
    const done = () => {
      incoming.off('data', onData)
      incoming.off('end', onEnd)
      incoming.off('error', onError)
      incoming.off('close', onClose)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength
      if (size > limit) {
        done()
        incoming.pause()
        return reject(tooLarge(limit))
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      done()
      resolve(concatBytes(chunks))
    }
    const onError = (e: Error) => {
      done()
      reject(e)
    }
    const onClose = () => {
      done()
      reject(new Error('the client went away while sending the body'))
    }
    incoming.on('data', onData)
    incoming.on('end', onEnd)
    incoming.on('error', onError)
    incoming.on('close', onClose)
  })
}
