import { joinedHeaders, type HttpInvocation } from '../../invocation.js'

const encoder = new TextEncoder()
const EMPTY = new Uint8Array(0)

/** The four parts `fnm_handle` receives, laid out back to back in the request buffer. */
export interface MicroRequest {
  bytes: Uint8Array
  methodLen: number
  pathLen: number
  headersLen: number
  bodyLen: number
}

/** `[method][path?query][name: value\n ...][body]`, as CONTRACTS.md lays out the fnmicro request. */
export function encodeMicroRequest(inv: HttpInvocation): MicroRequest {
  const body = inv.body ?? EMPTY
  const method = encoder.encode(inv.method)
  const path = encoder.encode(inv.path + (inv.query ? '?' + inv.query : ''))
  let headerText = ''
  for (const [name, value] of joinedHeaders(inv.headers)) headerText += `${name}: ${value}\n`
  const headers = encoder.encode(headerText)
  const bytes = new Uint8Array(
    method.byteLength + path.byteLength + headers.byteLength + body.byteLength,
  )
  let at = 0
  for (const part of [method, path, headers, body]) {
    bytes.set(part, at)
    at += part.byteLength
  }
  return {
    bytes,
    methodLen: method.byteLength,
    pathLen: path.byteLength,
    headersLen: headers.byteLength,
    bodyLen: body.byteLength,
  }
}
