/**
 * Types for fnhost function authors: `import type { FetchHandler } from 'fnhost/types'`.
 * They describe what the QuickJS sandbox hands a handler in each of the three conventions
 * (README, "Writing a JavaScript function"); the Web APIs themselves come from TypeScript's
 * WebWorker or DOM lib.
 */

/** A function's `env`: its own `config.env`, nothing from the host. */
export type Env = Record<string, string>

/** Route parameters: `users/[id].ts` -> `{ id: string }`. */
export type Params = Record<string, string>

/** The verified JWT of a private function's caller. */
export interface AuthInfo {
  claims: Record<string, unknown>
}

/** The third argument of a fetch-style handler (the second of a plain function). */
export interface ExecutionContext<P extends Params = Params> {
  /** Work that may finish after the response is sent, within the function's deadline. */
  waitUntil(promise: Promise<unknown>): void
  passThroughOnException(): void
  props: Record<string, unknown>
  /** Values of the matched route's parameters. */
  params: P
  /** Present on a private function: the caller's verified token. */
  auth?: AuthInfo
}

/** A cron trigger, as `scheduled(event, env, ctx)` receives it. */
export interface ScheduledEvent {
  cron: string
  /** Epoch milliseconds the run was due. */
  scheduledTime: number
  payload?: unknown
}

/** Fetch style (Workers / WinterCG): `export default { fetch(request, env, ctx) { ... } } satisfies FetchHandler`. */
export interface FetchHandler<E = Env, P extends Params = Params> {
  fetch(request: Request, env: E, ctx: ExecutionContext<P>): Response | Promise<Response>
  scheduled?(event: ScheduledEvent, env: E, ctx: ExecutionContext<P>): void | Promise<void>
}

/** Fetch style as a plain function: `export default function (request, ctx) { ... }`. */
export type FetchFunction<P extends Params = Params> = (
  request: Request,
  ctx: ExecutionContext<P>,
) => Response | Promise<Response>

/** Event style (Scaleway `handle`, Lambda `handler`): the HTTP event. */
export interface HttpEvent<P extends Params = Params> {
  httpMethod: string
  path: string
  headers: Record<string, string>
  multiValueHeaders: Record<string, string[]>
  queryStringParameters: Record<string, string>
  multiValueQueryStringParameters: Record<string, string[]>
  /** The raw query string. */
  query: string
  pathParameters: P
  stageVariables: Record<string, string>
  /** The body as text, or base64 when `isBase64Encoded`. */
  body: string
  isBase64Encoded: boolean
  requestContext: {
    eventType: 'http'
    httpMethod: string
    path: string
    stage: string
    requestId: string
    authorizer?: { claims: Record<string, unknown> }
  }
  resource: 'http'
}

/** Event style: a cron trigger. */
export interface CronEvent {
  type: 'cron'
  schedule: string
  scheduledTime: number
}

export interface EventContext {
  functionName: string
  memoryLimitInMb: number
  requestId: string
  getRemainingTimeInMillis(): number
}

/** An event-style answer; any other value is sent as JSON with status 200. */
export interface EventResult {
  statusCode: number
  headers?: Record<string, string>
  body?: string
  isBase64Encoded?: boolean
}

/** `export async function handle(event, context) { ... }` (or `handler`). */
export type EventHandler<P extends Params = Params> = (
  event: HttpEvent<P> | CronEvent,
  context: EventContext,
) => unknown

/** Open Runtimes style (CommonJS `module.exports = async (req, res) => ...`): the request. */
export interface OpenRuntimesRequest {
  /** The raw body. */
  payload: string
  headers: Record<string, string>
  env: Env
  method: string
  path: string
  query: Record<string, string>
  auth?: AuthInfo
}

export interface OpenRuntimesResponse {
  send(text: string, status?: number, headers?: Record<string, string>): void
  json(value: unknown, status?: number, headers?: Record<string, string>): void
}

export type OpenRuntimesHandler = (
  req: OpenRuntimesRequest,
  res: OpenRuntimesResponse,
) => void | Promise<void>

/** `export const config = { ... } satisfies FunctionConfig` (or a sidecar `<name>.json`). */
export interface FunctionConfig {
  route?: string | string[]
  methods?: string[]
  private?: boolean
  schedule?: string | { cron: string; timezone?: string; payload?: unknown }
  timeoutMs?: number
  memoryMb?: number
  maxBodyBytes?: number
  /** Keys: any non-empty string without '=' or NUL. */
  env?: Record<string, string>
  isolation?: 'shared' | 'request'
  concurrency?: number
  handler?: string
  style?: 'fetch' | 'event' | 'open-runtimes'
}
