import type { InvocationLog } from '../../../observe/invocation-log.js'
import { Fields } from './fields.js'
import type { ErrorCode } from './http.js'
import { BodySink, OutgoingBody } from './http.js'
import { err, ok, Pollable, type Result } from './io.js'

type Method = { tag: string; val?: string }
type Scheme = { tag: string; val?: string }

/** A request a guest builds for wasi:http/outgoing-handler. */
export class OutgoingRequest {
  private methodValue: Method = { tag: 'get' }
  private path?: string
  private schemeValue?: Scheme
  private authorityValue?: string
  private outgoing?: OutgoingBody

  constructor(private readonly fields: Fields) {
    fields.immutable = true
  }
  body(): Result<OutgoingBody, undefined> {
    if (this.outgoing) return err(undefined)
    this.outgoing = new OutgoingBody(new BodySink(OUTGOING_BODY_CAP))
    return ok(this.outgoing)
  }
  method(): Method {
    return this.methodValue
  }
  setMethod(method: Method): Result<undefined, undefined> {
    this.methodValue = method
    return ok(undefined)
  }
  pathWithQuery(): string | undefined {
    return this.path
  }
  setPathWithQuery(path: string | undefined): Result<undefined, undefined> {
    this.path = path
    return ok(undefined)
  }
  scheme(): Scheme | undefined {
    return this.schemeValue
  }
  setScheme(scheme: Scheme | undefined): Result<undefined, undefined> {
    this.schemeValue = scheme
    return ok(undefined)
  }
  authority(): string | undefined {
    return this.authorityValue
  }
  setAuthority(authority: string | undefined): Result<undefined, undefined> {
    this.authorityValue = authority
    return ok(undefined)
  }
  headers(): Fields {
    return this.fields
  }
}

const OUTGOING_BODY_CAP = 16 * 1024 * 1024

export class RequestOptions {
  private timeouts: (bigint | undefined)[] = [undefined, undefined, undefined]
  connectTimeout(): bigint | undefined {
    return this.timeouts[0]
  }
  setConnectTimeout(d: bigint | undefined): Result<undefined, undefined> {
    this.timeouts[0] = d
    return ok(undefined)
  }
  firstByteTimeout(): bigint | undefined {
    return this.timeouts[1]
  }
  setFirstByteTimeout(d: bigint | undefined): Result<undefined, undefined> {
    this.timeouts[1] = d
    return ok(undefined)
  }
  betweenBytesTimeout(): bigint | undefined {
    return this.timeouts[2]
  }
  setBetweenBytesTimeout(d: bigint | undefined): Result<undefined, undefined> {
    this.timeouts[2] = d
    return ok(undefined)
  }
}

/** Never created: outgoing requests are refused before one exists (see outgoingHandler). */
export class FutureIncomingResponse {
  subscribe(): Pollable {
    return new Pollable()
  }
  get(): undefined {
    return undefined
  }
}

export class IncomingResponse {}

export const OUTGOING_REFUSED =
  'outgoing HTTP from a component (wasi:http/outgoing-handler) is not available in this version of fnhost'

/**
 * wasi:http/outgoing-handler: refused at call time with HTTP-request-denied, and the reason in the
 * function's log, so a component that only sometimes calls out still serves its other requests.
 */
export function outgoingHandler(log: () => InvocationLog) {
  return {
    handle(
      _request: OutgoingRequest,
      _options: RequestOptions | undefined,
    ): Result<FutureIncomingResponse, ErrorCode> {
      log().write('error', OUTGOING_REFUSED)
      return err({ tag: 'HTTP-request-denied' })
    },
  }
}
