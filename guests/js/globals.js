// The only place that touches the guest's global object.
const GLOBALS = {
  Headers,
  Request,
  Response,
  TextDecoder,
  TextEncoder,
  atob,
  btoa,
  clearInterval,
  clearTimeout,
  fetch,
  performance,
  process,
  queueMicrotask,
  setInterval,
  setTimeout,
}
for (const [name, value] of objectEntries(GLOBALS)) defineGlobal(name, value)

const LAZY_GLOBALS = {
  AbortController: 'events',
  AbortSignal: 'events',
  DOMException: 'events',
  Event: 'events',
  EventTarget: 'events',
  URL: 'url',
  URLSearchParams: 'url',
  ReadableStream: 'streams',
  console: 'console',
  structuredClone: 'clone',
  crypto: 'crypto',
  Blob: 'blob',
  File: 'blob',
  FormData: 'form',
  CompressionStream: 'compression',
  DecompressionStream: 'compression',
}
for (const [name, unitName] of objectEntries(LAZY_GLOBALS)) defineLazyGlobal(name, unitName)
defineGlobal('self', globalThis)
