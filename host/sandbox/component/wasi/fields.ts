import { err, ok, type Result } from './io.js'

type HeaderError = { tag: 'invalid-syntax' } | { tag: 'forbidden' } | { tag: 'immutable' }
const INVALID: HeaderError = { tag: 'invalid-syntax' }
const FORBIDDEN: HeaderError = { tag: 'forbidden' }
const IMMUTABLE: HeaderError = { tag: 'immutable' }

/** wasmtime's DEFAULT_FORBIDDEN_HEADERS: framing and hop-by-hop fields belong to the host. */
const FORBIDDEN_NAMES = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
  'host',
  'http2-settings',
])

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** Bytes held by one fields resource: a guest appending in a loop hits this, not host memory. */
const MAX_FIELDS_BYTES = 256 * 1024

/** A field value as the http crate accepts it: visible ASCII, obs-text and tab; no CR, LF or NUL. */
function validValue(value: Uint8Array): boolean {
  for (const b of value) if ((b < 0x20 && b !== 0x09) || b === 0x7f) return false
  return true
}

/** wasi:http/types fields (headers and trailers), with names lower-cased and checked as wasmtime does. */
export class Fields {
  private list: [string, Uint8Array][] = []
  private bytes = 0
  immutable = false

  static fromList(entries: [string, Uint8Array][]): Result<Fields, HeaderError> {
    const fields = new Fields()
    for (const [name, value] of entries) {
      const r = fields.append(name, value)
      if (r.tag === 'err') return r
    }
    return ok(fields)
  }

  /** Request headers from the invocation: already validated by the HTTP parser, and read-only. */
  static incoming(headers: [string, string][]): Fields {
    const fields = new Fields()
    fields.list = headers.map(([n, v]) => [n, Buffer.from(v, 'latin1')])
    fields.immutable = true
    return fields
  }

  private check(name: string): HeaderError | undefined {
    if (this.immutable) return IMMUTABLE
    if (!TOKEN.test(name)) return INVALID
    if (FORBIDDEN_NAMES.has(name.toLowerCase())) return FORBIDDEN
    return undefined
  }

  private add(name: string, value: Uint8Array): Result<undefined, HeaderError> {
    if (!validValue(value)) return err(INVALID)
    if (this.bytes + name.length + value.byteLength > MAX_FIELDS_BYTES) return err(FORBIDDEN)
    this.bytes += name.length + value.byteLength
    this.list.push([name.toLowerCase(), value.slice()])
    return ok(undefined)
  }

  get(name: string): Uint8Array[] {
    const key = name.toLowerCase()
    return this.list.filter(([n]) => n === key).map(([, v]) => v.slice())
  }
  has(name: string): boolean {
    const key = name.toLowerCase()
    return this.list.some(([n]) => n === key)
  }
  set(name: string, values: Uint8Array[]): Result<undefined, HeaderError> {
    const bad = this.check(name)
    if (bad) return err(bad)
    if (!values.every(validValue)) return err(INVALID)
    this.remove(name)
    for (const v of values) {
      const r = this.add(name, v)
      if (r.tag === 'err') return r
    }
    return ok(undefined)
  }
  delete(name: string): Result<undefined, HeaderError> {
    const bad = this.check(name)
    if (bad) return err(bad)
    this.remove(name)
    return ok(undefined)
  }
  append(name: string, value: Uint8Array): Result<undefined, HeaderError> {
    const bad = this.check(name)
    return bad ? err(bad) : this.add(name, value)
  }
  entries(): [string, Uint8Array][] {
    return this.list.map(([n, v]) => [n, v.slice()])
  }
  clone(): Fields {
    const copy = new Fields()
    copy.list = this.entries()
    copy.bytes = this.bytes
    return copy
  }

  /** The fields as the host's header list (values as Latin-1, byte for byte). */
  toHeaderList(): [string, string][] {
    return this.list.map(([n, v]) => [n, Buffer.from(v).toString('latin1')])
  }

  private remove(name: string): void {
    const key = name.toLowerCase()
    this.list = this.list.filter(([n, v]) => {
      if (n !== key) return true
      this.bytes -= n.length + v.byteLength
      return false
    })
  }
}
