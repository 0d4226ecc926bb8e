import { concatBytes } from './bytes.js'
import { badResponseError } from './errors.js'
import type { GuestResponse, HeaderList } from './invocation.js'

/** Statuses whose responses never carry a body (Fetch's null body statuses). */
export const NULL_BODY_STATUS: ReadonlySet<number> = new Set([101, 103, 204, 205, 304])

/**
 * Framing and hop-by-hop headers: the host's server computes these itself, so a guest's copy
 * could only desynchronise the connection (response splitting).
 */
const FRAMING_HEADERS: ReadonlySet<string> = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
  'http2-settings',
])

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const BAD_VALUE = /[\0\r\n]/
const MAX_HEADERS = 500

/**
 * A guest's answer as the host will send it: status 200-599, header names that are tokens, values
 * without CR, LF or NUL, framing headers dropped, no body on a null-body status. Anything else is
 * GUEST_BAD_RESPONSE naming the problem.
 */
export function guestResponse(
  status: number,
  headers: Iterable<readonly [string, string]>,
  body: GuestResponse['body'],
): GuestResponse {
  if (!Number.isInteger(status) || status < 200 || status > 599)
    throw badResponseError(
      `the response status ${String(status)} is not an integer from 200 to 599`,
    )
  const list: HeaderList = []
  for (const [rawName, value] of headers) {
    const name = String(rawName).toLowerCase()
    if (!TOKEN.test(name))
      throw badResponseError(
        `the response header name ${JSON.stringify(rawName).slice(0, 80)} is not valid`,
      )
    if (typeof value !== 'string' || BAD_VALUE.test(value))
      throw badResponseError(`the response header ${name} has a value with CR, LF or NUL`)
    if (FRAMING_HEADERS.has(name)) continue
    list.push([name, value.trim()])
    if (list.length > MAX_HEADERS)
      throw badResponseError(`the response has more than ${MAX_HEADERS} headers`)
  }
  return { status, headers: list, body: NULL_BODY_STATUS.has(status) ? null : body }
}

/** The Web Response for Hono to write: the guest's answer plus the request id. */
export function toWebResponse(res: GuestResponse, requestId: string): Response {
  const { body } = res
  const init = { status: res.status, headers: headerInit(res.headers, requestId) }
  if (body === null || body instanceof Uint8Array)
    return new Response(body as Uint8Array<ArrayBuffer> | null, init)
  if (body instanceof ReadableStream) return new Response(body as ReadableStream<Uint8Array>, init)
  return new Response(streamOf(body), init)
}

/**
 * The answer's headers as a plain record when no name repeats: @hono/node-server hands a record
 * to writeHead as it is (names and values were checked when the guest's answer was taken, in
 * guestResponse), where a Headers object validates every entry again and is converted back. A
 * repeated name (several set-cookie) keeps a Headers object, which keeps the values apart.
 */
function headerInit(list: HeaderList, requestId: string): HeadersInit {
  const record: Record<string, string> = Object.create(null) as Record<string, string>
  for (const [name, value] of list) {
    const key = name.toLowerCase()
    if (key in record || key === 'x-request-id') return headersObject(list, requestId)
    record[key] = value
  }
  record['x-request-id'] = requestId
  return record
}

function headersObject(list: HeaderList, requestId: string): Headers {
  const headers = new Headers()
  for (const [name, value] of list) headers.append(name, value)
  headers.set('x-request-id', requestId)
  return headers
}

function streamOf(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await it.next()
      if (next.done) controller.close()
      else controller.enqueue(next.value)
    },
    async cancel() {
      await it.return?.()
    },
  })
}

/** The whole body of a guest's answer, however it came (bytes or chunks). */
export async function guestBodyBytes(res: GuestResponse): Promise<Uint8Array> {
  const { body } = res
  if (body === null) return new Uint8Array(0)
  if (body instanceof Uint8Array) return body
  const chunks: Uint8Array[] = []
  for await (const chunk of body) chunks.push(chunk)
  return concatBytes(chunks)
}
