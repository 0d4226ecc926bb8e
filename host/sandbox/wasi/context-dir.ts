import { E } from './errno.js'

export const CONTEXT_PATH = '/context'
/** What a guest may write into /context in one request, all files together. */
export const CONTEXT_CAP_BYTES = 16 * 1024 * 1024
export const MAX_CONTEXT_FILES = 64
const MAX_NAME_BYTES = 255

export class ContextFile {
  data: Uint8Array = new Uint8Array(0)
  size = 0
  readonly mtimeNs = BigInt(Date.now()) * 1_000_000n

  constructor(initial?: Uint8Array) {
    if (initial) {
      this.data = initial
      this.size = initial.byteLength
    }
  }

  get contents(): Uint8Array {
    return this.data.subarray(0, this.size)
  }
}

/**
 * The in-memory, flat `/context` directory of one request. Files the host offers (request.json)
 * are built only when the guest first looks at them, so requests that never do pay nothing.
 */
export class ContextDir {
  private readonly files = new Map<string, ContextFile>()
  private used = 0

  constructor(private readonly lazy: Map<string, () => Uint8Array>) {}

  /**
   * A path relative to /context -> the file name, '' for the directory itself, or an errno.
   * Absolute paths and '..' above the root are refused: there is nothing outside /context.
   */
  resolve(path: string): string | number {
    if (path.startsWith('/')) return E.NOTCAPABLE
    const parts: string[] = []
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue
      if (part === '..') {
        if (parts.pop() === undefined) return E.NOTCAPABLE
      } else parts.push(part)
    }
    if (parts.length === 0) return ''
    const [first] = parts as [string]
    if (parts.length > 1) return this.get(first) ? E.NOTDIR : E.NOENT
    if (Buffer.byteLength(first) > MAX_NAME_BYTES) return E.NAMETOOLONG
    return first
  }

  get(name: string): ContextFile | undefined {
    const file = this.files.get(name)
    if (file) return file
    const make = this.lazy.get(name)
    if (!make) return undefined
    this.lazy.delete(name)
    const made = new ContextFile(make())
    this.used += made.size
    this.files.set(name, made)
    return made
  }

  create(name: string): ContextFile | number {
    if (this.files.size + this.lazy.size >= MAX_CONTEXT_FILES) return E.NOSPC
    const file = new ContextFile()
    this.files.set(name, file)
    return file
  }

  remove(name: string): number {
    const file = this.get(name)
    if (!file) return E.NOENT
    this.used -= file.size
    this.files.delete(name)
    return E.SUCCESS
  }

  rename(from: string, to: string): number {
    const file = this.get(from)
    if (!file) return E.NOENT
    if (from === to) return E.SUCCESS
    this.remove(to)
    this.files.delete(from)
    this.files.set(to, file)
    return E.SUCCESS
  }

  names(): string[] {
    return [...new Set([...this.files.keys(), ...this.lazy.keys()])].sort()
  }

  /** Sets a file's size, zero-filling growth; refuses to pass the per-request cap. */
  resize(file: ContextFile, size: number): number {
    if (size > file.size && this.used + (size - file.size) > CONTEXT_CAP_BYTES) return E.NOSPC
    if (size > file.data.byteLength) {
      const data = new Uint8Array(
        Math.min(Math.max(size, file.data.byteLength * 2, 256), CONTEXT_CAP_BYTES),
      )
      data.set(file.contents)
      file.data = data
    } else if (size < file.size) file.data.fill(0, size, file.size)
    this.used += size - file.size
    file.size = size
    return E.SUCCESS
  }

  /** Writes at `pos`, growing the file; returns bytes written or a negative errno. */
  write(file: ContextFile, pos: number, data: Uint8Array): number {
    const end = pos + data.byteLength
    if (end > file.size) {
      const err = this.resize(file, end)
      if (err !== E.SUCCESS) return -err
    }
    file.data.set(data, pos)
    return data.byteLength
  }
}
