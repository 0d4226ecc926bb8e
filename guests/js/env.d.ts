// What the prelude's shared scope receives from the host (host/sandbox/quickjs/hostcalls.ts and
// prelude.ts): the `host` calls, closed over and never a guest global, and the function's `init`.
// The guests/js files are scripts concatenated into one function body, so TypeScript's global
// scope for scripts models their shared scope; this file is type-checking only.

type GuestBytes = ArrayBuffer
/** A string, or [JSON] when it holds U+0000 (C strings end there). */
type HostString = string | [string]

declare const host: {
  log(level: string, message: HostString): void
  logFull(): boolean
  now(): number
  random(n: number): GuestBytes
  digest(algorithm: string, data: GuestBytes): GuestBytes
  utf8Encode(s: HostString): GuestBytes
  utf8Decode(bytes: GuestBytes, fatal: number): HostString
  btoa(s: HostString): string
  atob(s: string): HostString
  setTimer(callback: () => void, ms: number, repeat: number): number
  clearTimer(id: number): void
  fetch(
    meta: string,
    body: GuestBytes | undefined,
    callback: (error?: string, meta?: string, body?: GuestBytes) => void,
  ): number | string
  fetchAbort(id: number): void
  unit(name: string): string
  uncaught(name: string, message: string, stack: string): void
  encodingName(label: HostString): string
  decode(name: string, bytes: GuestBytes, fatal: number): HostString
  urlParse(input: HostString, base?: HostString): string
  urlSet(href: HostString, name: string, value: HostString): string
  latin1Decode(bytes: GuestBytes): HostString
  latin1Encode(s: HostString): GuestBytes
  zlib(kind: string, format: string, data: GuestBytes): GuestBytes
  /** A key-value call: an id when the answer comes later, else [error, json, bytes] at once. */
  kv(
    request: string,
    value: GuestBytes | undefined,
    callback: (error?: string, json?: string, bytes?: GuestBytes) => void,
  ): number | [string | undefined, string | undefined, GuestBytes | undefined]
}

declare const init: {
  env: Record<string, string>
  functionName: string
  memoryMb: number
  timeOrigin: number
  /** The names of the key-value bindings this function was granted (KV, KV_<NAME>). */
  kv: string[]
}

// intrinsics.js (not type-checked itself: it shadows the global built-ins with the originals,
// which TypeScript's lib already declares) captures these before guest code runs.
declare const objectKeys: ObjectConstructor['keys']
declare const objectValues: ObjectConstructor['values']
declare const objectEntries: ObjectConstructor['entries']
declare const objectFromEntries: ObjectConstructor['fromEntries']
declare const objectAssign: ObjectConstructor['assign']
declare const objectFreeze: ObjectConstructor['freeze']
declare const objectIs: ObjectConstructor['is']
declare const objectHasOwn: ObjectConstructor['hasOwn']
declare const objectDefineProperty: ObjectConstructor['defineProperty']
declare const objectGetPrototypeOf: ObjectConstructor['getPrototypeOf']
declare const arrayFrom: ArrayConstructor['from']
declare const arrayIsArray: ArrayConstructor['isArray']
declare const arrayBufferIsView: ArrayBufferConstructor['isView']
declare const numberIsNaN: NumberConstructor['isNaN']
declare const numberIsInteger: NumberConstructor['isInteger']
declare const numberIsFinite: NumberConstructor['isFinite']
declare const stringFromCharCode: StringConstructor['fromCharCode']
declare const stringFromCodePoint: StringConstructor['fromCodePoint']
declare const dateNow: DateConstructor['now']
declare const promiseResolve: <T = void>(value?: T) => Promise<Awaited<T>>
declare const promiseReject: (reason?: unknown) => Promise<never>
declare const promiseAll: <T>(values: Iterable<T>) => Promise<Awaited<T>[]>
