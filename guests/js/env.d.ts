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
}

declare const init: {
  env: Record<string, string>
  functionName: string
  memoryMb: number
  timeOrigin: number
}
