import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { microDriver } from '../../host/sandbox/micro/driver.js'
import { DeviceFunction } from '../../host/sandbox/micro/device/device-function.js'
import type { LoadedFunction } from '../../host/sandbox/types.js'
import type { BoardName } from '../../host/sandbox/micro/firmware/boards.js'
import { scaled } from '../helpers/time.js'
import { wasm, wasmSpec } from '../helpers/wasm.js'
import { answer, type Answer } from './answer.js'
import { CORPUS } from './corpus.js'
import { mcuToolchain } from './toolchain.js'

/** Every fnmicro example and fixture: conformance cases, the SDK exerciser, a trap, a failure, an overflow. */
const MODULES = [
  'examples/micro-hello',
  'conformance/hello.micro',
  'conformance/status-headers.micro',
  'fixtures/micro-sdk',
  'fixtures/micro-trap',
  'fixtures/micro-fail',
  'fixtures/micro-overflow',
  // Both answer 200 to requests without their trigger (?t=..., ?spin), which the corpus never sends.
  'fixtures/micro-traps',
  'fixtures/micro-loop',
]
const TARGETS: BoardName[] = ['native', 'mps2-an505', 'mps2-an385']
/** Firmware builds (wasm2c + gcc) and a few hundred emulated requests on two cores. */
const SUITE_MS = scaled(300_000)

async function answers(fn: LoadedFunction): Promise<Answer[]> {
  const out: Answer[] = []
  for (const entry of CORPUS) out.push(await answer(fn, entry.make()))
  return out
}

describe.runIf(mcuToolchain)('the same fnmicro .wasm on every target', () => {
  const results = new Map<string, Map<string, Answer[]>>()

  beforeAll(async () => {
    for (const name of MODULES) {
      const spec = wasmSpec(wasm(name), {}, name.split('/')[1])
      const perTarget = new Map<string, Answer[]>()
      await using node = await microDriver.load(spec)
      perTarget.set('node', await answers(node))
      // One device process per target, serving the whole corpus over its serial line.
      await Promise.all(
        TARGETS.map(async (board) => {
          await using device = await DeviceFunction.load(spec, board)
          perTarget.set(board, await answers(device))
        }),
      )
      results.set(name, perTarget)
    }
  }, SUITE_MS)

  afterAll(() => results.clear())

  it('has at least 25 requests, past the request buffer and back', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(25)
    const statuses = new Set(
      results
        .get('fixtures/micro-sdk')
        ?.get('node')
        ?.map((a) => a.status),
    )
    expect(statuses).toEqual(new Set([200, 413]))
  })

  for (const name of MODULES)
    for (const board of TARGETS)
      it(`${name} on ${board} answers like the Node driver, byte for byte`, () => {
        const perTarget = results.get(name)
        const expected = perTarget?.get('node')
        const got = perTarget?.get(board)
        expect(got).toBeDefined()
        expect(expected).toBeDefined()
        CORPUS.forEach((entry, i) => {
          // The in-process driver's trap also carries V8's wasm frames; a device has none.
          const want = { ...(expected?.[i] as Answer), guestStack: undefined }
          expect(got?.[i], `${name} on ${board}: ${entry.label}`).toEqual(want)
        })
      })

  it('covers a trap, a failure code with a log line, an overflowing response', () => {
    const first = (name: string) => results.get(name)?.get('mps2-an505')?.[0]
    expect(first('fixtures/micro-trap')?.body).toBe(
      Buffer.from(
        JSON.stringify({
          code: 500,
          message: 'function micro-trap trapped: unreachable',
          error: 'GUEST_ERROR',
          requestId: 'corpus-request',
        }),
      ).toString('base64'),
    )
    expect(results.get('fixtures/micro-trap')?.get('node')?.[0]?.guestStack).toMatch(/wasm/)
    expect(first('fixtures/micro-fail')?.logs).toEqual(['info giving up'])
    expect(first('fixtures/micro-fail')?.status).toBe(500)
    expect(first('fixtures/micro-overflow')?.status).toBe(500)
  })
})
