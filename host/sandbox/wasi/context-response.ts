import { FnhostError } from '../../errors.js'

const NULL_BODY_STATUS = new Set([204, 205, 304])

function bad(message: string): FnhostError {
  return new FnhostError('GUEST_BAD_RESPONSE', `/context/response.json: ${message}`)
}

/**
 * `{statusCode, headers, body}` written to /context/response.json, as a Web Response. A string body
 * is sent as is (base64-decoded with `isBase64Encoded: true`); any other JSON body is sent as JSON.
 */
export function parseContextResponse(bytes: Uint8Array): Response {
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
  const out = new Headers()
  try {
    for (const [name, value] of Object.entries(headers as Record<string, unknown>))
      for (const v of Array.isArray(value) ? value : [value]) out.append(name, String(v))
  } catch {
    throw bad('headers hold an invalid name or value')
  }
  let payload: BodyInit | null = null
  if (typeof body === 'string')
    payload = isBase64Encoded === true ? Buffer.from(body, 'base64') : body
  else if (body !== undefined && body !== null) {
    payload = JSON.stringify(body)
    if (!out.has('content-type')) out.set('content-type', 'application/json')
  }
  return new Response(NULL_BODY_STATUS.has(statusCode) ? null : payload, {
    status: statusCode,
    headers: out,
  })
}
