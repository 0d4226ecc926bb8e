import { createHash, randomBytes } from 'node:crypto'
import type {
  QuickJSContext,
  QuickJSHandle,
  VmFunctionImplementation,
} from 'quickjs-emscripten-core'
import type { LogLevel } from '../../observe/invocation-log.js'
import { decodeLegacy, encodingName } from './encodings.js'
import type { FetchBridge } from './fetch-bridge.js'
import type { KvBridge } from './kv-bridge.js'
import { unitSource } from './prelude.js'
import type { GuestRuntime } from './runtime.js'
import type { TimerTable } from './timers.js'
import { parseForGuest, setForGuest } from './url-host.js'
import { zlibForGuest } from './zlib-host.js'

export interface HostCallTargets {
  rt: GuestRuntime
  timers: TimerTable
  fetches: FetchBridge
  kv: KvBridge
  /** performance.now() when the sandbox started: the guest's performance.now() counts from it. */
  timeOrigin: number
}

const LEVELS: Record<string, LogLevel> = {
  debug: 'debug',
  info: 'info',
  log: 'log',
  warn: 'warn',
  error: 'error',
}

const DIGESTS = ['sha1', 'sha256', 'sha384', 'sha512']

/** An ArrayBuffer holding exactly `bytes` (no copy when the view already covers its buffer). */
export function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = bytes
  if (byteOffset === 0 && byteLength === buffer.byteLength && buffer instanceof ArrayBuffer)
    return buffer
  // Not bytes.slice(): on a Buffer that is a view of Node's shared pool, not a copy.
  const copy = new Uint8Array(byteLength)
  copy.set(bytes)
  return copy.buffer
}

/**
 * Strings pass through QuickJS's C-string API, which ends them at U+0000: the prelude sends a
 * string holding one as [JSON], and gets one back the same way (see toHost/fromHost in base.js).
 */
function readGuestString(ctx: QuickJSContext, h: QuickJSHandle): string {
  if (ctx.typeof(h) === 'string') return ctx.getString(h)
  const json = ctx.getProp(h, 0)
  try {
    return JSON.parse(ctx.getString(json)) as string
  } finally {
    json.dispose()
  }
}

function newGuestString(ctx: QuickJSContext, s: string): QuickJSHandle {
  if (!s.includes('\0')) return ctx.newString(s)
  const array = ctx.newArray()
  const json = ctx.newString(JSON.stringify(s))
  ctx.setProp(array, 0, json)
  json.dispose()
  return array
}

/**
 * Puts the host calls on `host`, the object the prelude closes over (never a guest global); the
 * prelude reads them when it calls them, so it may have run before they are there (an engine
 * made ahead runs it with the object empty, template.ts runPreludeAhead). Every function here runs
 * inside GuestRuntime.enter, so `rt.current` is the invocation it acts for; guest-visible
 * semantics (types, DOMExceptions, promises) are the prelude's job.
 */
export function fillHostObject(host: QuickJSHandle, t: HostCallTargets): void {
  const { rt, timers, fetches, kv } = t
  const ctx = rt.context
  const owner = () => rt.current!
  const bytes = (h: QuickJSHandle) => {
    const view = ctx.getArrayBuffer(h)
    try {
      return view.value.slice()
    } finally {
      view.dispose()
    }
  }
  const buffer = (b: Uint8Array) => ctx.newArrayBuffer(arrayBufferOf(b))
  const calls: Record<string, VmFunctionImplementation<QuickJSHandle>> = {
    log: (level, message) => {
      owner().log.write(LEVELS[ctx.getString(level)] ?? 'log', readGuestString(ctx, message))
    },
    logFull: () => (owner().log.full ? ctx.true : ctx.false),
    now: () => ctx.newNumber(performance.now() - t.timeOrigin),
    random: (n) => buffer(randomBytes(Math.min(65536, Math.max(0, ctx.getNumber(n))))),
    digest: (algorithm, data) => {
      const name = ctx.getString(algorithm)
      if (!DIGESTS.includes(name)) throw new Error(`unsupported digest ${name}`)
      return buffer(createHash(name).update(bytes(data)).digest())
    },
    utf8Encode: (s) => buffer(Buffer.from(readGuestString(ctx, s), 'utf8')),
    utf8Decode: (b, fatal) => {
      const decoder = new TextDecoder('utf-8', {
        fatal: ctx.getNumber(fatal) === 1,
        ignoreBOM: true,
      })
      return newGuestString(ctx, decoder.decode(bytes(b)))
    },
    encodingName: (label) => ctx.newString(encodingName(readGuestString(ctx, label))),
    decode: (name, b, fatal) =>
      newGuestString(ctx, decodeLegacy(ctx.getString(name), bytes(b), ctx.getNumber(fatal) === 1)),
    urlParse: (input, base) => {
      const b = ctx.typeof(base) === 'undefined' ? undefined : readGuestString(ctx, base)
      return ctx.newString(parseForGuest(readGuestString(ctx, input), b))
    },
    urlSet: (href, name, value) =>
      ctx.newString(
        setForGuest(readGuestString(ctx, href), ctx.getString(name), readGuestString(ctx, value)),
      ),
    latin1Decode: (b) => newGuestString(ctx, Buffer.from(bytes(b)).toString('latin1')),
    latin1Encode: (s) => buffer(Buffer.from(readGuestString(ctx, s), 'latin1')),
    zlib: (kind, format, data) =>
      buffer(
        zlibForGuest(
          ctx.getString(kind),
          ctx.getString(format),
          bytes(data),
          rt.limits.memoryMb * 1024 * 1024,
        ),
      ),
    btoa: (s) => ctx.newString(Buffer.from(readGuestString(ctx, s), 'latin1').toString('base64')),
    atob: (s) => newGuestString(ctx, Buffer.from(ctx.getString(s), 'base64').toString('latin1')),
    setTimer: (callback, ms, repeat) =>
      ctx.newNumber(
        timers.add(owner(), callback.dup(), ctx.getNumber(ms), ctx.getNumber(repeat) === 1),
      ),
    clearTimer: (id) => {
      timers.clear(ctx.getNumber(id))
    },
    fetch: (meta, body, callback) => {
      const payload = ctx.typeof(body) === 'undefined' ? undefined : bytes(body)
      const id = fetches.start(ctx.getString(meta), payload, callback.dup())
      return typeof id === 'number' ? ctx.newNumber(id) : ctx.newString(id)
    },
    fetchAbort: (id) => {
      fetches.abort(ctx.getNumber(id))
    },
    kv: (request, value, callback) =>
      kv.call(
        ctx.getString(request),
        ctx.typeof(value) === 'undefined' ? undefined : bytes(value),
        callback,
      ),
    unit: (name) => {
      const source = unitSource(ctx.getString(name))
      if (source === undefined) throw new Error(`no prelude unit ${ctx.getString(name)}`)
      return ctx.newString(source)
    },
    uncaught: (name, message, stack) => {
      owner().reportUncaught({
        name: ctx.getString(name),
        message: ctx.getString(message),
        stack: ctx.getString(stack),
      })
    },
  }
  for (const [name, fn] of Object.entries(calls)) {
    const f = ctx.newFunction(name, fn)
    ctx.setProp(host, name, f)
    f.dispose()
  }
}
