import type { HttpInvocation } from '../../../invocation.js'
import { STDOUT_CAP_BYTES } from '../../wasi/stdio.js'
import { Fields } from './fields.js'
import { err, InputStream, ok, OutputStream, Pollable, type Result, type Sink } from './io.js'

/** The methods wasi:http names; any other is `other(string)`. */
const METHODS = ['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch']

type Method = { tag: string; val?: string }
type Scheme = { tag: 'HTTP' | 'HTTPS' } | { tag: 'other'; val: string }
/** error-code of wasi:http, as jco lifts it ({ tag, val? }); only its tag is used here. */
export type ErrorCode = { tag: string; val?: unknown }

function toMethod(method: string): Method {
  const lower = method.toLowerCase()
  return METHODS.includes(lower) && method === method.toUpperCase()
    ? { tag: lower }
    : { tag: 'other', val: method }
}

export class IncomingRequest {
  private consumed = false
  private readonly url: URL

  constructor(private readonly inv: HttpInvocation) {
    this.url = new URL(inv.url)
  }
  method(): Method {
    return toMethod(this.inv.method)
  }
  pathWithQuery(): string {
    return this.inv.path + (this.inv.query ? `?${this.inv.query}` : '')
  }
  scheme(): Scheme {
    return { tag: this.url.protocol === 'https:' ? 'HTTPS' : 'HTTP' }
  }
  authority(): string {
    return this.url.host
  }
  headers(): Fields {
    return Fields.incoming(this.inv.headers)
  }
  consume(): Result<IncomingBody, undefined> {
    if (this.consumed) return err(undefined)
    this.consumed = true
    return ok(new IncomingBody(this.inv.body ?? new Uint8Array(0)))
  }
}

export class IncomingBody {
  private streamed = false
  constructor(private readonly bytes: Uint8Array) {}
  stream(): Result<InputStream, undefined> {
    if (this.streamed) return err(undefined)
    this.streamed = true
    return ok(new InputStream(this.bytes))
  }
  static finish(_body: IncomingBody): FutureTrailers {
    return new FutureTrailers()
  }
}

/** Requests arrive without trailers. */
export class FutureTrailers {
  private taken = false
  subscribe(): Pollable {
    return new Pollable()
  }
  get(): Result<Result<Fields | undefined, ErrorCode>, undefined> | undefined {
    if (this.taken) return err(undefined)
    this.taken = true
    return ok(ok(undefined))
  }
}

/** Response body bytes, capped as a WAGI guest's stdout is; closed once the guest finishes the body. */
export class BodySink implements Sink {
  private chunks: Uint8Array[] = []
  size = 0
  closed = false
  overflowed = false

  constructor(private readonly cap: number) {}

  write(data: Uint8Array): boolean {
    if (this.size + data.byteLength > this.cap) {
      this.overflowed = true
      return false
    }
    this.chunks.push(data.slice())
    this.size += data.byteLength
    return true
  }

  bytes(): Uint8Array {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks)
  }
}

export class OutgoingBody {
  private written = false
  constructor(readonly sink: BodySink) {}
  write(): Result<OutputStream, undefined> {
    if (this.written) return err(undefined)
    this.written = true
    return ok(new OutputStream(this.sink))
  }
  static finish(body: OutgoingBody, _trailers: Fields | undefined): Result<undefined, ErrorCode> {
    body.sink.closed = true
    return ok(undefined)
  }
}

export class OutgoingResponse {
  status = 200
  /** The body, once the guest asked for it. */
  outgoing?: OutgoingBody
  constructor(private readonly fields: Fields) {
    fields.immutable = true
  }
  statusCode(): number {
    return this.status
  }
  setStatusCode(status: number): Result<undefined, undefined> {
    if (!Number.isInteger(status) || status < 100 || status > 599) return err(undefined)
    this.status = status
    return ok(undefined)
  }
  headers(): Fields {
    return this.fields
  }
  body(): Result<OutgoingBody, undefined> {
    if (this.outgoing) return err(undefined)
    this.outgoing = new OutgoingBody(new BodySink(STDOUT_CAP_BYTES))
    return ok(this.outgoing)
  }
}

export class ResponseOutparam {
  response?: Result<OutgoingResponse, ErrorCode>
  static set(param: ResponseOutparam, response: Result<OutgoingResponse, ErrorCode>): void {
    if (param.response) throw new Error('response-outparam.set called twice')
    param.response = response
  }
}
