import { describe, expect, it } from 'vitest'
import { microDriver } from '../../host/sandbox/micro/driver.js'
import { DeviceFunction } from '../../host/sandbox/micro/device/device-function.js'
import type { LoadedFunction } from '../../host/sandbox/types.js'
import {
  encodeRequestFrame,
  FrameReader,
  FramingError,
} from '../../host/sandbox/micro/device/frames.js'
import { scaled } from '../helpers/time.js'
import { wasm, wasmSpec } from '../helpers/wasm.js'
import { answer } from './answer.js'
import { mcuToolchain } from './toolchain.js'

const SPIN_DEADLINE_MS = scaled(1500)
const TEST_MS = scaled(60_000)

function u32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n >>> 0)
  return b
}

describe('the serial framing', () => {
  it('lays out a request frame: tag, flags, four lengths, bytes', () => {
    const frame = encodeRequestFrame(1, [3, 2, 0, 1], new TextEncoder().encode('GET/xb'))
    expect(frame.toString('latin1', 0, 4)).toBe('FNRQ')
    expect(frame[4]).toBe(1)
    expect([5, 9, 13, 17].map((o) => frame.readUInt32LE(o))).toEqual([3, 2, 0, 1])
    expect(frame.subarray(21).toString()).toBe('GET/xb')
  })

  it('cuts frames however the bytes arrive, and refuses what it cannot parse', () => {
    const reader = new FrameReader(1024)
    const stream = Buffer.concat([
      Buffer.from('FNHI'),
      u32(1),
      u32(16384),
      u32(8),
      u32(20_000_000),
      Buffer.from('FNLG'),
      u32(2),
      Buffer.from('hi'),
      Buffer.from('FNRS'),
      u32(3),
      u32(99),
      Buffer.from('a\nb'),
      Buffer.from('FNRS'),
      u32(-2),
      u32(5),
      Buffer.from('FNRS'),
      u32(9),
      u32(5),
      Buffer.from('FNTR'),
      u32(5),
      u32(7),
      u32(0),
      u32(0),
    ])
    const frames = [...stream].flatMap((byte) => reader.push(Buffer.from([byte])))
    expect(frames.map((f) => f.tag)).toEqual(['hello', 'log', 'result', 'result', 'result', 'trap'])
    expect(frames[2]).toMatchObject({
      result: 3,
      ticks: 99,
      bytes: new Uint8Array(Buffer.from('a\nb')),
    })
    // Past the response buffer (8 bytes here) a result carries no bytes: the host refuses it.
    expect(frames[4]).toMatchObject({ result: 9, bytes: new Uint8Array(0) })
    expect(() => reader.push(Buffer.from('XXXX'))).toThrow(FramingError)
    expect(() => new FrameReader(4).push(Buffer.concat([Buffer.from('FNLG'), u32(5)]))).toThrow(
      FramingError,
    )
  })
})

describe.runIf(mcuToolchain)('a device link', () => {
  it(
    'answers a request queued behind a hung one on a fresh device',
    async () => {
      const spec = wasmSpec(wasm('fixtures/micro-loop'), {}, 'micro-loop')
      await using device = await DeviceFunction.load(spec, 'native')
      const hung = answer(device, new Request('http://localhost/fn?spin'), SPIN_DEADLINE_MS)
      const queued = answer(device, new Request('http://localhost/fn'), scaled(20_000))
      expect((await hung).status).toBe(504)
      const next = await queued
      expect(next.status).toBe(200)
      expect(Buffer.from(next.body, 'base64').toString()).toBe('awake\n')
    },
    TEST_MS,
  )

  it(
    'keeps one instance across requests with isolation "shared", as the Node driver does',
    async () => {
      const spec = wasmSpec(wasm('fixtures/micro-sdk'), { isolation: 'shared' }, 'micro-sdk')
      const calls = async (fn: LoadedFunction) => {
        const seen: (string | undefined)[] = []
        for (let i = 0; i < 3; i++) {
          const a = await answer(fn, new Request('http://localhost/fn'))
          seen.push(a.headers.find(([k]) => k === 'x-calls')?.[1])
        }
        return seen
      }
      await using node = await microDriver.load(spec)
      expect(await calls(node)).toEqual(['1', '2', '3'])
      await using device = await DeviceFunction.load(spec, 'mps2-an385')
      expect(await calls(device)).toEqual(['1', '2', '3'])
    },
    TEST_MS,
  )
})
