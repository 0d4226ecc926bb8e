import { FnhostError } from '../../errors.js'
import type { GuestResponse } from '../../invocation.js'
import { guestResponse } from '../../response.js'

const encoder = new TextEncoder()

function bad(message: string): FnhostError {
  return new FnhostError('GUEST_BAD_RESPONSE', `/context/response.json: ${message}`)
}

/**
 * `{statusCode, headers, body}` written to /context/response.json, as the guest's answer. A string body
 * is sent as is (base64-decoded with `isBase64Encoded: true`); any other JSON body is sent as JSON.
 */
export function parseContextResponse(bytes: Uint8Array): GuestResponse {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes))
  } catch (e) {
    throw bad(`not valid JSON (${(e as Error).message})`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw bad('expected an object {statusCode, headers, body}')
  const {
    statusCode = 200,
    headers = {},
    body,
    isBase64Encoded,
  } = parsed as Record<string, unknown>
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 200 ||
    statusCode > 599
  )
    throw bad(`statusCode must be an integer 200-599, got ${JSON.stringify(statusCode)}`)
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers))
    throw bad('headers must be an object of strings')
  const out: [string, string][] = []
  for (const [name, value] of Object.entries(headers as Record<string, unknown>))
    for (const v of Array.isArray(value) ? value : [value]) out.push([name, String(v)])
  let payload: Uint8Array | null = null
  if (typeof body === 'string')
    payload = isBase64Encoded === true ? Buffer.from(body, 'base64') : encoder.encode(body)
  else if (body !== undefined && body !== null) {
    payload = encoder.encode(JSON.stringify(body))
    if (!out.some(([name]) => name.toLowerCase() === 'content-type'))
      out.push(['content-type', 'application/json'])
  }
  try {
    return guestResponse(statusCode, out, payload)
  } catch (e) {
    throw bad((e as FnhostError).message)
  }
}
