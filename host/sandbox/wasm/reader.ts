/** The module's bytes are not a wasm binary we accept; the message says where and why. */
export class WasmFormatError extends Error {
  override readonly name = 'WasmFormatError'
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** A bounds-checked cursor over a wasm binary: every read past `end` throws WasmFormatError. */
export class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
    readonly end = bytes.byteLength,
  ) {}

  get done(): boolean {
    return this.pos >= this.end
  }

  get remaining(): number {
    return this.end - this.pos
  }

  fail(what: string): never {
    throw new WasmFormatError(`${what} at byte ${this.pos}`)
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('unexpected end of module')
    return this.bytes[this.pos++] as number
  }

  u32(): number {
    let result = 0
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.u8()
      result += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) this.fail('LEB128 u32 out of range')
        return result
      }
    }
    return this.fail('LEB128 u32 too long')
  }

  /** A vector length: each element takes at least `minBytes`, so a count larger than what is left is refused before any loop runs. */
  count(minBytes = 1): number {
    const n = this.u32()
    if (n * minBytes > this.remaining) this.fail(`vector of ${n} entries longer than its section`)
    return n
  }

  /** Skips a signed LEB128 of at most `bits` bits (i32.const, i64.const, block types). */
  /**
   * Skips the immediate of a constant instruction (i32/i64/f32/f64.const, ref.null), for a
   * function body and a constant expression alike; false for any other opcode.
   */
  constImmediate(op: number): boolean {
    switch (op) {
      case 0x41:
        this.skipSigned(32)
        return true
      case 0x42:
        this.skipSigned(64)
        return true
      case 0x43:
        this.skip(4)
        return true
      case 0x44:
        this.skip(8)
        return true
      case 0xd0:
        this.skipSigned(33)
        return true
      default:
        return false
    }
  }

  skipSigned(bits: number): void {
    const maxBytes = Math.ceil(bits / 7)
    for (let i = 0; i < maxBytes; i++) if ((this.u8() & 0x80) === 0) return
    this.fail('signed LEB128 too long')
  }

  skip(n: number): void {
    if (n > this.remaining) this.fail('unexpected end of module')
    this.pos += n
  }

  take(n: number): Uint8Array {
    const start = this.pos
    this.skip(n)
    return this.bytes.subarray(start, this.pos)
  }

  name(): string {
    const bytes = this.take(this.u32())
    try {
      return utf8.decode(bytes)
    } catch {
      return this.fail('name is not UTF-8')
    }
  }
}

/** Unsigned LEB128 encoding, for the sections and bodies the rewriter emits. */
export function leb(n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n = Math.floor(n / 128)
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}

export function encodeName(s: string): number[] {
  const bytes = new TextEncoder().encode(s)
  return [...leb(bytes.byteLength), ...bytes]
}
