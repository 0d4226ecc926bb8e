import { E } from './errno.js'

export const CONTEXT_PATH = '/context'
/**
 * The real memory /context may hold in one request, all files together: the bytes allocated for
 * them, not their sizes (a truncated file gives its memory back). It also stays within what the
 * function's memory cap leaves beside its linear memory.
 */
export const CONTEXT_CAP_BYTES = 16 * 1024 * 1024
/** A file shrunk below this share of its buffer gets a smaller buffer. */
const SHRINK_BELOW = 0.5
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

/** What bounds a ContextDir's memory beside CONTEXT_CAP_BYTES. */
export interface ContextLimits {
  /** Bytes the function's memory cap leaves beside its linear memory, now. */
  room(): number
  /** Files held by open descriptors: an unlinked file still holds its memory until closed. */
  openFiles(): Iterable<ContextFile>
}

const NO_LIMITS: ContextLimits = { room: () => Infinity, openFiles: () => [] }

/**
 * The in-memory, flat `/context` directory of one request. Files the host offers (request.json)
 * are built only when the guest first looks at them, so requests that never do pay nothing.
 */
export class ContextDir {
  private readonly files = new Map<string, ContextFile>()

  constructor(
    private readonly lazy: Map<string, () => Uint8Array>,
    private readonly limits: ContextLimits = NO_LIMITS,
  ) {}

  /** Bytes allocated for every file still reachable, by name or by an open descriptor. */
  get allocated(): number {
    let total = 0
    for (const file of new Set([...this.files.values(), ...this.limits.openFiles()]))
      total += file.data.byteLength
    return total
  }

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
    if (!this.get(name)) return E.NOENT
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

  /**
   * Sets a file's size, zero-filling growth. Growth that would take the allocated bytes past
   * CONTEXT_CAP_BYTES or the room the memory cap leaves is refused (EFBIG for one file larger than
   * the cap alone, else ENOSPC); shrinking well below the buffer reallocates, freeing memory.
   */
  resize(file: ContextFile, size: number): number {
    if (size > CONTEXT_CAP_BYTES) return E.FBIG
    const capacity = file.data.byteLength
    if (size > capacity) {
      const budget = Math.min(CONTEXT_CAP_BYTES, this.limits.room()) - (this.allocated - capacity)
      if (size > budget) return E.NOSPC
      // Doubling keeps appends cheap; within the budget only.
      this.reallocate(file, Math.min(Math.max(size, capacity * 2, 256), budget), size)
    } else if (size < capacity * SHRINK_BELOW) this.reallocate(file, size, size)
    else if (size < file.size) file.data.fill(0, size, file.size)
    file.size = size
    return E.SUCCESS
  }

  private reallocate(file: ContextFile, capacity: number, size: number): void {
    const data = new Uint8Array(capacity)
    data.set(file.data.subarray(0, Math.min(file.size, size)))
    file.data = data
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
