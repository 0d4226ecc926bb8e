import { describe, expect, it } from 'vitest'
import { microDriver } from '../../host/sandbox/micro/driver.js'
import { DeviceFunction } from '../../host/sandbox/micro/device/device-function.js'
import type { BoardName } from '../../host/sandbox/micro/firmware/boards.js'
import { scaled } from '../helpers/time.js'
import { wasm, wasmSpec } from '../helpers/wasm.js'
import { answer, type Answer } from './answer.js'
import { mcuToolchain } from './toolchain.js'

const KINDS = ['unreachable', 'div0', 'overflow', 'oob', 'recurse', 'log', 'none']
const TARGETS: BoardName[] = ['native', 'mps2-an505', 'mps2-an385']
const TEST_MS = scaled(120_000)
/** Long enough for QEMU's boot and one request, far shorter than a loop that never ends. */
const HANG_DEADLINE_MS = scaled(3000)

const request = (t: string) => new Request(`http://localhost/fn?t=${t}`)

describe.runIf(mcuToolchain)('traps and failures on a device', () => {
  it(
    'every kind of trap gives the Node driver its answer, and the next request is answered',
    async () => {
      const spec = wasmSpec(wasm('fixtures/micro-traps'), {}, 'micro-traps')
      const expected: Answer[] = []
      {
        await using node = await microDriver.load(spec)
        for (const t of KINDS)
          expected.push({ ...(await answer(node, request(t))), guestStack: undefined })
      }
      expect(expected.map((a) => a.status)).toEqual([500, 500, 500, 500, 500, 500, 200])
      await Promise.all(
        TARGETS.map(async (board) => {
          await using device = await DeviceFunction.load(spec, board)
          for (const [i, t] of KINDS.entries())
            expect(await answer(device, request(t)), `${board}: ${t}`).toEqual(expected[i])
        }),
      )
    },
    TEST_MS,
  )

  it(
    'kills a hung device at the deadline (504) and boots a new one for the next request',
    async () => {
      const spec = wasmSpec(wasm('fixtures/micro-loop'), {}, 'micro-loop')
      await using device = await DeviceFunction.load(spec, 'mps2-an385')
      expect((await answer(device, new Request('http://localhost/fn'))).status).toBe(200)
      const started = Date.now()
      const hung = await answer(device, new Request('http://localhost/fn?spin'), HANG_DEADLINE_MS)
      expect(hung.status).toBe(504)
      expect(JSON.parse(Buffer.from(hung.body, 'base64').toString())).toMatchObject({
        error: 'CPU_LIMIT',
      })
      expect(Date.now() - started).toBeLessThan(HANG_DEADLINE_MS + scaled(2000))
      const next = await answer(device, new Request('http://localhost/fn'))
      expect(next.status).toBe(200)
      expect(Buffer.from(next.body, 'base64').toString()).toBe('awake\n')
    },
    TEST_MS,
  )
})
