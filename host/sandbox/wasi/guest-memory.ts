import { GuestFault } from './errno.js'

/**
 * Bounds-checked access to a guest's linear memory. Views are cached and rebuilt only when the
 * memory grew (growth replaces `memory.buffer`).
 */
export class GuestMemory {
  private buffer: ArrayBuffer
  private u8: Uint8Array
  private view: DataView

  constructor(readonly memory: WebAssembly.Memory) {
    this.buffer = memory.buffer
    this.u8 = new Uint8Array(this.buffer)
    this.view = new DataView(this.buffer)
  }

  private fresh(): void {
    if (this.memory.buffer === this.buffer) return
    this.buffer = this.memory.buffer
    this.u8 = new Uint8Array(this.buffer)
    this.view = new DataView(this.buffer)
  }

  private check(ptr: number, len: number): void {
    this.fresh()
    if (ptr < 0 || len < 0 || ptr + len > this.u8.byteLength)
      throw new GuestFault(`guest pointer ${ptr}+${len} outside memory`)
  }

  u32(ptr: number): number {
    this.check(ptr, 4)
    return this.view.getUint32(ptr, true)
  }

  setU8(ptr: number, v: number): void {
    this.check(ptr, 1)
    this.view.setUint8(ptr, v)
  }

  setU16(ptr: number, v: number): void {
    this.check(ptr, 2)
    this.view.setUint16(ptr, v, true)
  }

  setU32(ptr: number, v: number): void {
    this.check(ptr, 4)
    this.view.setUint32(ptr, v, true)
  }

  setU64(ptr: number, v: bigint): void {
    this.check(ptr, 8)
    this.view.setBigUint64(ptr, v, true)
  }

  /** A live view into guest memory: valid until the guest runs again. */
  bytes(ptr: number, len: number): Uint8Array {
    this.check(ptr, len)
    return this.u8.subarray(ptr, ptr + len)
  }

  write(ptr: number, data: Uint8Array): void {
    this.check(ptr, data.byteLength)
    this.u8.set(data, ptr)
  }

  /** The iovec array at `ptr`: [buf, len] pairs, each checked against the memory. */
  iovecs(ptr: number, count: number): Uint8Array[] {
    const out: Uint8Array[] = []
    for (let i = 0; i < count; i++) {
      const base = this.u32(ptr + i * 8)
      const len = this.u32(ptr + i * 8 + 4)
      out.push(this.bytes(base, len))
    }
    return out
  }
}
