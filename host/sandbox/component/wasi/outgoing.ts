import type { InvocationLog } from '../../../observe/invocation-log.js'
import { Fields } from './fields.js'
import type { SyncFetcher } from '../fetch-sync.js'
import type { ErrorCode } from './http.js'
import { BodySink, IncomingBody, OutgoingBody } from './http.js'
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
  /** The method as it goes on the wire. */
  methodName(): string {
    const m = this.methodValue
    return m.tag === 'other' ? String(m.val) : m.tag.toUpperCase()
  }
  bodyBytes(): Uint8Array | null {
    const sink = this.outgoing?.sink
    return sink && sink.size > 0 ? sink.bytes() : null
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

/** What an outgoing call needs from the invocation it belongs to. */
export interface OutgoingContext {
  log: InvocationLog
  /** Epoch ms: no wait outlives the invocation. */
  deadline: number
  /** Subrequests made so far by this invocation. */
  subrequests: number
}

export interface OutgoingPolicy {
  fetcher: SyncFetcher
  maxSubrequests: number
}

/**
 * An outgoing request in flight. The host fetches when the guest first asks for the answer
 * (get, or blocking on its pollable), by then the request body is written.
 */
export class FutureIncomingResponse {
  private answer?: Result<IncomingResponse, ErrorCode>
  private taken = false

  constructor(
    private readonly request: OutgoingRequest,
    private readonly ctx: OutgoingContext,
    private readonly policy: OutgoingPolicy,
  ) {}

  subscribe(): Pollable {
    return new Pollable()
  }

  get(): Result<Result<IncomingResponse, ErrorCode>, undefined> | undefined {
    if (this.taken) return err(undefined)
    this.taken = true
    this.answer ??= this.perform()
    return ok(this.answer)
  }

  private perform(): Result<IncomingResponse, ErrorCode> {
    const { ctx, policy, request } = this
    const denied = (why: string) => {
      ctx.log.write('error', `outgoing request denied: ${why}`)
      return err({ tag: 'HTTP-request-denied' })
    }
    if (++ctx.subrequests > policy.maxSubrequests)
      return denied(`at most ${policy.maxSubrequests} subrequests are allowed per invocation`)
    const authority = request.authority()
    if (!authority) return err({ tag: 'HTTP-request-URI-invalid' })
    const scheme = request.scheme()
    const protocol =
      scheme?.tag === 'HTTP' ? 'http' : scheme?.tag === 'other' ? scheme.val : 'https'
    const url = `${protocol}://${authority}${request.pathWithQuery() ?? '/'}`
    const answer = policy.fetcher.fetch(
      {
        url,
        method: request.methodName(),
        headers: request.headers().toHeaderList(),
        body: request.bodyBytes(),
        timeoutMs: Math.max(1, ctx.deadline - Date.now()),
      },
      ctx.deadline - Date.now(),
    )
    if ('error' in answer) {
      if (answer.denied) return denied(answer.error)
      ctx.log.write('error', `outgoing request failed: ${answer.error}`)
      return err({ tag: 'internal-error', val: answer.error })
    }
    return ok(new IncomingResponse(answer.status, answer.headers, answer.body))
  }
}

export class IncomingResponse {
  private consumed = false
  constructor(
    private readonly code: number,
    private readonly fields: [string, string][],
    private readonly bytes: Uint8Array,
  ) {}
  status(): number {
    return this.code
  }
  headers(): Fields {
    return Fields.incoming(this.fields)
  }
  consume(): Result<IncomingBody, undefined> {
    if (this.consumed) return err(undefined)
    this.consumed = true
    return ok(new IncomingBody(this.bytes))
  }
}

/** wasi:http/outgoing-handler: requests go out through the host's egress policy. */
export function outgoingHandler(ctx: () => OutgoingContext, policy: OutgoingPolicy) {
  return {
    handle(
      request: OutgoingRequest,
      _options: RequestOptions | undefined,
    ): Result<FutureIncomingResponse, ErrorCode> {
      return ok(new FutureIncomingResponse(request, ctx(), policy))
    },
  }
}
