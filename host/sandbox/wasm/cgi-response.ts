import { badResponseError } from '../../errors.js'
import type { GuestResponse } from '../../invocation.js'
import { guestResponse } from '../../response.js'

const MAX_HEADER_BYTES = 64 * 1024
const MAX_HEADERS = 200
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const latin1 = new TextDecoder('latin1')

const bad = badResponseError

/** Where the header block ends: the index of the body, and the header text. */
function splitHead(out: Uint8Array): { head: string; body: number } {
  const limit = Math.min(out.byteLength, MAX_HEADER_BYTES)
  let lineStart = 0
  for (let i = 0; i < limit; i++) {
    if (out[i] !== 10) continue
    const blank = i === lineStart || (i === lineStart + 1 && out[lineStart] === 13)
    if (blank) return { head: latin1.decode(out.subarray(0, lineStart)), body: i + 1 }
    lineStart = i + 1
  }
  if (out.byteLength > MAX_HEADER_BYTES)
    throw bad(`response headers are longer than ${MAX_HEADER_BYTES} bytes`)
  // Headers without the closing blank line: an empty body, as if it had been written.
  return { head: latin1.decode(out), body: out.byteLength }
}

/**
 * A CGI response (header lines, a blank line, the body) as the guest's answer: `status:` sets the
 * status, `location:` without one means 302, every other header passes through.
 */
export function parseCgiResponse(out: Uint8Array<ArrayBuffer>, source: string): GuestResponse {
  if (out.byteLength === 0)
    throw bad(
      `the function wrote nothing to ${source}; a response starts with headers and a blank line`,
    )
  const { head, body } = splitHead(out)
  const headers: [string, string][] = []
  let status: number | undefined
  const lines = head.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
  if (lines.length > MAX_HEADERS) throw bad(`response has more than ${MAX_HEADERS} header lines`)
  for (const [i, line] of lines.entries()) {
    if (line === '') continue
    const colon = line.indexOf(':')
    const name = colon > 0 ? line.slice(0, colon).trim() : ''
    if (!TOKEN.test(name))
      throw bad(
        `${source} line ${i + 1} is not a header ('name: value'): ${JSON.stringify(line.slice(0, 60))}; a response starts with headers and a blank line`,
      )
    const value = line.slice(colon + 1).trim()
    const lower = name.toLowerCase()
    if (lower === 'status') {
      const code = /^(\d{3})(\s|$)/.exec(value)?.[1]
      status = code === undefined ? NaN : Number(code)
      if (!(status >= 200 && status <= 599))
        throw bad(`invalid status header '${value}' (expected 200-599)`)
    } else headers.push([lower, value])
  }
  status ??= headers.some(([name]) => name === 'location') ? 302 : 200
  return guestResponse(status, headers, out.subarray(body))
}
