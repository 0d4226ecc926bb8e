import { randomBytes } from 'node:crypto'

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

/** A fresh traceparent: new random trace and parent ids, sampled. */
export function newTraceparent(): string {
  const bytes = randomBytes(24).toString('hex')
  return `00-${bytes.slice(0, 32)}-${bytes.slice(32)}-01`
}

/** The incoming trace context when valid, else a new one: every invocation has a trace. */
export function traceparentFor(header: string | undefined): string {
  return validTraceparent(header) ?? newTraceparent()
}
