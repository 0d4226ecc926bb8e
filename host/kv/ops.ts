import { KvError, unavailable } from './errors.js'
import type { KvNamespace } from './store.js'
import type { KvListPage } from './types.js'

/** One guest KV call as plain data (JSON from the QuickJS prelude). */
export interface KvRequest {
  op: 'get' | 'put' | 'delete' | 'list' | 'increment'
  binding: string
  key?: string
  ttl?: number
  prefix?: string
  cursor?: string
  limit?: number
  by?: number
}

/** An answer: `json` always, `bytes` for a value read by get. */
export interface KvReply {
  json: string
  bytes?: Uint8Array
}

export interface KvFailure {
  code: string
  message: string
}

export function parseRequest(text: string): KvRequest {
  let req: unknown
  try {
    req = JSON.parse(text)
  } catch {
    throw new KvError('KV_BAD_ARGUMENT', 'malformed KV request')
  }
  if (typeof req !== 'object' || req === null)
    throw new KvError('KV_BAD_ARGUMENT', 'malformed KV request')
  return req as KvRequest
}

function listReply(page: KvListPage): KvReply {
  return { json: JSON.stringify(page) }
}

/** Runs a request on this thread when the backend is synchronous; undefined otherwise. */
export function runSync(ns: KvNamespace, req: KvRequest, value?: Uint8Array): KvReply | undefined {
  const sync = ns.sync
  if (!sync) return undefined
  switch (req.op) {
    case 'get': {
      const v = sync.get(req.key as string)
      return v === null ? { json: 'null' } : { json: '1', bytes: v }
    }
    case 'put':
      sync.put(req.key as string, value ?? new Uint8Array(), { ttl: req.ttl })
      return { json: 'null' }
    case 'delete':
      return { json: String(sync.delete(req.key as string)) }
    case 'list':
      return listReply(sync.list(req))
    case 'increment':
      return { json: String(sync.increment(req.key as string, req.by ?? 1)) }
    default:
      throw new KvError('KV_BAD_ARGUMENT', 'unknown KV operation')
  }
}

export async function runAsync(
  ns: KvNamespace,
  req: KvRequest,
  value?: Uint8Array,
): Promise<KvReply> {
  switch (req.op) {
    case 'get': {
      const v = await ns.get(req.key as string)
      return v === null ? { json: 'null' } : { json: '1', bytes: v }
    }
    case 'put':
      await ns.put(req.key as string, value ?? new Uint8Array(), { ttl: req.ttl })
      return { json: 'null' }
    case 'delete':
      return { json: String(await ns.delete(req.key as string)) }
    case 'list':
      return listReply(await ns.list(req))
    case 'increment':
      return { json: String(await ns.increment(req.key as string, req.by ?? 1)) }
    default:
      throw new KvError('KV_BAD_ARGUMENT', 'unknown KV operation')
  }
}

/** A failure as the guest sees it: the KV code and message, or a generic one for anything else. */
export function failure(e: unknown): KvFailure {
  const err = e instanceof KvError ? e : unavailable(e)
  return { code: err.code, message: err.message }
}
