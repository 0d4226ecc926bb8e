/** Every failure the host answers carries one of these codes; HTTP status is mapped here only. */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  FUNCTION_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_FUNCTION: 422,
  HEADERS_TOO_LARGE: 431,
  FUNCTION_LOAD_FAILED: 500,
  GUEST_ERROR: 500,
  MEMORY_LIMIT: 500,
  INTERNAL_ERROR: 500,
  GUEST_BAD_RESPONSE: 502,
  OVERLOADED: 503,
  CPU_LIMIT: 504,
  KV_KEY_NOT_FOUND: 404,
  KV_UNAVAILABLE: 503,
  KV_QUOTA_EXCEEDED: 507,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

export interface ErrorBody {
  code: number
  message: string
  error: ErrorCode
  requestId: string
  stack?: string
}

export interface FnhostErrorOptions {
  cause?: unknown
  /** The guest's own stack trace (never a host stack), shown to the caller. */
  guestStack?: string
  /** Seconds, sent as Retry-After (OVERLOADED). */
  retryAfterS?: number
  /** Extra response headers, e.g. Allow on METHOD_NOT_ALLOWED. */
  headers?: Record<string, string>
}

export class FnhostError extends Error {
  override readonly name = 'FnhostError'
  readonly code: ErrorCode
  readonly guestStack?: string
  readonly retryAfterS?: number
  readonly headers?: Record<string, string>

  constructor(code: ErrorCode, message: string, options: FnhostErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.guestStack = options.guestStack
    this.retryAfterS = options.retryAfterS
    this.headers = options.headers
  }

  get status(): number {
    return ERROR_STATUS[this.code]
  }
}

export function isFnhostError(e: unknown): e is FnhostError {
  return e instanceof FnhostError
}

/** Anything thrown becomes an FnhostError; unknown failures are internal and say nothing of the host. */
export function toFnhostError(e: unknown): FnhostError {
  if (isFnhostError(e)) return e
  return new FnhostError('INTERNAL_ERROR', 'internal error in the function host', { cause: e })
}

export function errorBody(err: FnhostError, requestId: string): ErrorBody {
  const body: ErrorBody = { code: err.status, message: err.message, error: err.code, requestId }
  if (err.guestStack) body.stack = err.guestStack
  return body
}

export function errorResponse(err: FnhostError, requestId: string): Response {
  const headers: Record<string, string> = { ...err.headers, 'x-request-id': requestId }
  if (err.retryAfterS !== undefined) headers['retry-after'] = String(err.retryAfterS)
  return Response.json(errorBody(err, requestId), { status: err.status, headers })
}

/** One message shape per limit: what happened, the limit by its config key, what to do. */
export function cpuLimitError(timeoutMs: number): FnhostError {
  return new FnhostError(
    'CPU_LIMIT',
    `the function ran past its time limit of ${timeoutMs} ms and was stopped; make it faster or raise timeoutMs in its config`,
  )
}

export function memoryLimitError(memoryMb: number, cause?: unknown): FnhostError {
  return new FnhostError(
    'MEMORY_LIMIT',
    `the function ran out of memory (its cap is ${memoryMb} MiB); use less or raise memoryMb in its config`,
    { cause },
  )
}

export function badResponseError(message: string): FnhostError {
  return new FnhostError('GUEST_BAD_RESPONSE', message)
}
