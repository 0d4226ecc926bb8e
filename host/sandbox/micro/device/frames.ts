/**
 * The serial framing between the host and an fnmicro device (guests/mcu/fnm_device.c, documented
 * in docs/mcu.md). Integers are little-endian; tags are four ASCII bytes.
 */
export const FLAG_SHARED = 1

export type DeviceFrame =
  | { tag: 'hello'; abi: number; reqCap: number; respCap: number; tickHz: number }
  | { tag: 'log'; bytes: Uint8Array }
  | { tag: 'result'; result: number; ticks: number; bytes: Uint8Array }
  | { tag: 'trap'; trap: number; ticks: number; a: number; b: number }
  | { tag: 'error'; code: number }

/** Device error codes ("FNER"). */
export const DEVICE_ERRORS: Record<number, string> = {
  1: 'the request is larger than the request buffer',
  2: 'the module does not speak fnmicro ABI 1 or its buffers lie outside its memory',
  3: 'the module could not be instantiated',
}

/** The request frame: "FNRQ", flags, the four lengths, then the request bytes. */
export function encodeRequestFrame(flags: number, lengths: number[], bytes: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 1 + 16)
  head.write('FNRQ', 0, 'latin1')
  head.writeUInt8(flags, 4)
  lengths.forEach((n, i) => head.writeUInt32LE(n, 5 + 4 * i))
  return Buffer.concat([head, bytes])
}

/** A frame the host cannot parse: the device is out of step and must be restarted. */
export class FramingError extends Error {
  override readonly name = 'FramingError'
}

/**
 * Cuts the device's output into frames. `respCap` (from the hello frame) says whether a result
 * carries bytes; a length past `maxPayload` is a framing error, never an allocation.
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0)
  respCap = 0

  constructor(private readonly maxPayload: number) {}

  push(chunk: Buffer): DeviceFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk
    const frames: DeviceFrame[] = []
    for (let f = this.next(); f; f = this.next()) frames.push(f)
    return frames
  }

  private take(frame: DeviceFrame, size: number): DeviceFrame {
    this.buf = this.buf.subarray(size)
    return frame
  }

  private next(): DeviceFrame | undefined {
    const b = this.buf
    if (b.length < 4) return undefined
    const tag = b.toString('latin1', 0, 4)
    const have = (n: number) => b.length >= n
    switch (tag) {
      case 'FNHI':
        if (!have(20)) return undefined
        this.respCap = b.readUInt32LE(12)
        return this.take(
          {
            tag: 'hello',
            abi: b.readUInt32LE(4),
            reqCap: b.readUInt32LE(8),
            respCap: this.respCap,
            tickHz: b.readUInt32LE(16),
          },
          20,
        )
      case 'FNLG': {
        if (!have(8)) return undefined
        const len = b.readUInt32LE(4)
        if (len > this.maxPayload) throw new FramingError(`log frame of ${len} bytes`)
        if (!have(8 + len)) return undefined
        return this.take({ tag: 'log', bytes: new Uint8Array(b.subarray(8, 8 + len)) }, 8 + len)
      }
      case 'FNRS': {
        if (!have(12)) return undefined
        const result = b.readInt32LE(4)
        const len = result >= 0 && result <= this.respCap ? result : 0
        if (!have(12 + len)) return undefined
        const bytes = new Uint8Array(b.subarray(12, 12 + len))
        return this.take({ tag: 'result', result, ticks: b.readUInt32LE(8), bytes }, 12 + len)
      }
      case 'FNTR':
        if (!have(20)) return undefined
        return this.take(
          {
            tag: 'trap',
            trap: b.readUInt32LE(4),
            ticks: b.readUInt32LE(8),
            a: b.readUInt32LE(12),
            b: b.readUInt32LE(16),
          },
          20,
        )
      case 'FNER':
        if (!have(8)) return undefined
        return this.take({ tag: 'error', code: b.readUInt32LE(4) }, 8)
      default:
        throw new FramingError(`unknown frame ${JSON.stringify(tag)}`)
    }
  }
}
