import { isoTime } from './iso-time.js'
import { accessDuration, accessMessage, type AccessEntry } from './log.js'

/** What JSON.stringify would escape in a string: quote, backslash, controls, lone surrogates. */
// Matching control characters is the point here.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/

/** A string as JSON: quoted as is when nothing in it needs escaping (the usual case), else stringified. */
export function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"'
}

/**
 * The JSON access line, the same as pino writes for an info line with the access fields (level,
 * time, function, requestId, method, path, status, durationMs, traceparent, msg, in that order;
 * an undefined field left out), built as one string: the hot path of a host with JSON logs on, where
 * pino's generic walk over a fields object was most of what a request's log line cost.
 */
export function accessJson(e: AccessEntry): string {
  // The message is the method, path, status and duration: with a method and path that need no
  // escaping (the usual case), nothing in it does either.
  const plain = !NEEDS_ESCAPE.test(e.method) && !NEEDS_ESCAPE.test(e.path)
  const quote = plain ? (s: string) => '"' + s + '"' : (s: string) => JSON.stringify(s)
  return (
    '{"level":"info","time":"' +
    isoTime(e.at) +
    (e.fn === undefined ? '"' : '","function":' + jsonString(e.fn)) +
    (e.requestId === undefined ? '' : ',"requestId":' + jsonString(e.requestId)) +
    ',"method":' +
    quote(e.method) +
    ',"path":' +
    quote(e.path) +
    ',"status":' +
    e.status +
    ',"durationMs":' +
    accessDuration(e) +
    ',"traceparent":' +
    jsonString(e.traceparent) +
    ',"msg":' +
    quote(accessMessage(e)) +
    '}\n'
  )
}
