import type { HttpInvocation } from '../../host/invocation.js'
import { guestBodyBytes } from '../../host/response.js'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { packageRoot } from '../../host/paths.js'
import { createLogger, invocationLog } from '../../host/observe/log.js'
import { DeviceFunction } from '../../host/sandbox/micro/device/device-function.js'
import type { InvokeOptions } from '../../host/sandbox/types.js'
import type { BoardName } from '../../host/sandbox/micro/firmware/boards.js'
import { cachedFirmware } from '../../host/sandbox/micro/firmware/cache.js'
import { formatSizes, type FirmwareSizes } from '../../host/sandbox/micro/firmware/sizes.js'
import type { FunctionSpec } from '../../host/types.js'
import { resolveConfig } from '../../host/config.js'
import { WrongAnswerError } from '../answer.js'
import { median, percentile, round } from '../stats.js'

/** RP2350's core clock; the estimate assumes one instruction per cycle (no flash wait states). */
const RP2350_HZ = 150_000_000
const REQUESTS = 25
const EXPECTED = 'Hello, Ada, from fnmicro!\n'

/** isère's QuickJS runtime on a Raspberry Pi Pico 2, the figure this port is set beside. */
export const ISERE_RP2350 = {
  rps: 11.64,
  source: 'isère BENCHMARK.md (github.com/jeeyo/isere), RP2350, as quoted in fnhost issue #15',
}

export interface McuBoardResult {
  board: BoardName
  sizes: FirmwareSizes
  /** Instructions per request (fresh instance + fnm_handle), from QEMU -icount (median, p90). */
  instructions: number
  instructionsP90: number
  /** What those instructions take at 150 MHz, and the request rate that implies. */
  impliedUs: number
  impliedRps: number
}

export interface McuResult {
  handler: string
  requests: number
  boards: McuBoardResult[]
  isere: typeof ISERE_RP2350
}

const REQUEST: HttpInvocation = {
  type: 'http',
  method: 'GET',
  url: 'http://localhost/micro-hello?name=Ada',
  path: '/micro-hello',
  query: 'name=Ada',
  route: '/micro-hello',
  params: {},
  headers: [],
  body: null,
  requestId: 'bench-mcu',
}

function options(): InvokeOptions {
  return {
    deadline: Date.now() + 30_000,
    signal: new AbortController().signal,
    log: invocationLog(
      createLogger(() => {}),
      { requestId: 'bench-mcu' },
    ),
  }
}

async function measureBoard(spec: FunctionSpec, board: BoardName): Promise<McuBoardResult> {
  const { sizes } = await cachedFirmware(spec.source, board)
  // -icount shift=0: one instruction per virtual nanosecond, so the board's tick counter counts
  // instructions (ticks x 1e9 / tick rate), whatever the host machine's speed.
  await using device = await DeviceFunction.load(spec, board, { icount: true })
  const counts: number[] = []
  for (let i = 0; i < REQUESTS; i++) {
    const res = await device.invoke(REQUEST, options())
    const body = new TextDecoder().decode(await guestBodyBytes(res))
    if (res.status !== 200 || body !== EXPECTED)
      throw new WrongAnswerError(`${board} answered ${res.status} ${JSON.stringify(body)}`)
    const cost = device.lastCost
    if (!cost) throw new WrongAnswerError(`${board} reported no cost`)
    counts.push((cost.ticks * 1e9) / cost.tickHz)
  }
  const instructions = median(counts)
  return {
    board,
    sizes,
    instructions: Math.round(instructions),
    instructionsP90: Math.round(percentile(counts, 90)),
    impliedUs: round((instructions / RP2350_HZ) * 1e6, 1),
    impliedRps: Math.round(RP2350_HZ / instructions),
  }
}

/** micro-hello on the emulated Cortex-M33 and Cortex-M3: instructions per request and size. */
export async function measureMcu(): Promise<McuResult> {
  const file = join(packageRoot, 'wasm/examples/micro-hello.wasm')
  const source = new Uint8Array(await readFile(file))
  const spec: FunctionSpec = {
    name: 'micro-hello',
    file,
    kind: 'micro',
    routes: ['/micro-hello'],
    config: resolveConfig({}, 'micro-hello.json'),
    source,
    version: 'bench',
  }
  const boards: McuBoardResult[] = []
  for (const board of ['mps2-an505', 'mps2-an385'] as const)
    boards.push(await measureBoard(spec, board))
  return { handler: 'micro-hello', requests: REQUESTS, boards, isere: ISERE_RP2350 }
}

/** The report's mcu section. */
export function formatMcu(m: McuResult): string {
  const lines = [
    `Microcontroller port (${m.handler}, ${m.requests} requests per board in QEMU with -icount)`,
    'ESTIMATE from instruction counts, not a hardware measurement: time = the instructions of a',
    "request's fresh instance (zeroing the 64 KiB page) and fnm_handle, at 150 MHz (RP2350) and",
    'one instruction per cycle; the serial transfer and any network stack are not counted.',
  ]
  for (const b of m.boards) {
    lines.push(
      `  ${b.board}: ${b.instructions} instructions per request (p90 ${b.instructionsP90}) -> ` +
        `~${b.impliedUs} us at 150 MHz, ~${b.impliedRps.toLocaleString('en-US')} req/s implied`,
    )
    lines.push(
      ...formatSizes(b.sizes)
        .split('\n')
        .map((l) => `    ${l}`),
    )
  }
  lines.push(
    `  beside: isère (QuickJS) on an RP2350: ${m.isere.rps} req/s measured (${m.isere.source})`,
  )
  return lines.join('\n')
}
