import { FnhostError } from '../../errors.js'

const MAX_HEADER_BYTES = 64 * 1024
const MAX_HEADERS = 200
/** Framing is the server's job: a guest's copy of these could only corrupt it. */
const DROPPED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive'])
const NULL_BODY_STATUS = new Set([204, 205, 304])
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const latin1 = new TextDecoder('latin1')

function bad(message: string): FnhostError {
  return new FnhostError('GUEST_BAD_RESPONSE', message)
}

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
  if (out.byteLength > MAX_HEADER_BYTES) throw bad(`response headers are longer than ${MAX_HEADER_BYTES} bytes`)
  // Headers without the closing blank line: an empty body, as if it had been written.
  return { head: latin1.decode(out), body: out.byteLength }
}

/**
 * A CGI response (header lines, a blank line, the body) as a Web Response: `status:` sets the
 * status, `location:` without one means 302, every other header passes through.
 */
export function parseCgiResponse(out: Uint8Array<ArrayBuffer>, source: string): Response {
  if (out.byteLength === 0)
    throw bad(`the function wrote nothing to ${source}; a response starts with headers and a blank line`)
  const { head, body } = splitHead(out)
  const headers = new Headers()
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
      if (!(status >= 200 && status <= 599)) throw bad(`invalid status header '${value}' (expected 200-599)`)
    } else if (!DROPPED.has(lower)) {
      try {
        headers.append(name, value)
      } catch {
        throw bad(`invalid value for response header ${name}`)
      }
    }
  }
  status ??= headers.has('location') ? 302 : 200
  const payload = NULL_BODY_STATUS.has(status) ? null : out.subarray(body)
  return new Response(payload, { status, headers })
}
