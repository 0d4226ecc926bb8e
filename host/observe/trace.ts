import { randomUUID } from 'node:crypto'

/**
 * W3C trace context (https://www.w3.org/TR/trace-context/#traceparent-header): version 00,
 * a 32-hex trace id and a 16-hex parent id (neither all zeros), and 2 hex flag digits. A future
 * version may append fields after another '-'; version ff is invalid.
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/

/** The header itself when it is a valid traceparent, else undefined. */
export function validTraceparent(header: string | undefined): string | undefined {
  if (header === undefined || header.length > 512) return undefined
  const m = TRACEPARENT.exec(header.trim())
  if (!m) return undefined
  const [, version, traceId, parentId, , rest] = m
  if (version === 'ff' || /^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined
  // Version 00 has exactly four fields; only a later version may carry more.
  if (version === '00' && rest !== undefined) return undefined
  return header.trim()
}

/**
 * A fresh traceparent: new random trace and parent ids, sampled. Built from randomUUID, which
 * draws on a cached entropy pool (a synchronous randomBytes per request cost ~10 µs under load);
 * a v4 UUID's 122 random bits are plenty for a trace id, never all zeros.
 */
export function newTraceparent(): string {
  const trace = randomUUID().replaceAll('-', '')
  const parent = randomUUID().replaceAll('-', '').slice(16)
  return `00-${trace}-${parent}-01`
}

/** The incoming trace context when valid, else a new one: every invocation has a trace. */
export function traceparentFor(header: string | undefined): string {
  return validTraceparent(header) ?? newTraceparent()
}
