import { execFile } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { packageRoot } from '../../host/paths.js'
import { get, HELLO, WrongAnswerError } from '../answer.js'
import { startProcess, type Server } from '../children.js'
import { benchFunction, type Workspace } from '../fixtures.js'
import { summarize, type Summary } from '../stats.js'

/** The issue asks for the median of 10 starts of each. */
const RUNS = 10
/** The goal: the binary answers its first request this soon after it is started. */
export const BINARY_START_GOAL_MS = 150

export interface BinaryResult {
  /** `dist/bin/fnhost-<os>-<arch> serve` spawned until its first 200. */
  binaryStartToFirst200: Summary
  /** `node dist/host/cli/main.js serve` spawned until its first 200. */
  nodeStartToFirst200: Summary
  /**
   * The binary again with NODE_EXTRA_CA_CERTS unset, when the environment sets it: Node reads and
   * parses that file at every start, before any of fnhost's code runs (a system bundle of ~150
   * certificates costs ~50 ms of the main thread), so it alone can decide the goal on a machine.
   * The goal is judged on the environment as given.
   */
  binaryWithoutExtraCaStartToFirst200?: Summary
  binarySizeMiB: number
}

const binaryPath = join(packageRoot, 'dist/bin', `fnhost-${process.platform}-${process.arch}`)

/** Spawn to first 200 of /js-trivial, its answer checked. */
async function startToFirst200(start: () => Promise<Server>): Promise<number> {
  const began = performance.now()
  const server = await start()
  try {
    const r = await get(`${server.url}/js-trivial`)
    if (r.status !== 200 || r.body !== HELLO)
      throw new WrongAnswerError(`/js-trivial answered ${r.status} ${JSON.stringify(r.body)}`)
    return performance.now() - began
  } finally {
    await server.stop()
  }
}

/** Builds the binary from this checkout (so it is never stale), then starts it and Node in turn. */
export async function measureBinary(ws: Workspace): Promise<BinaryResult> {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/build-binary.ts'], {
    cwd: packageRoot,
  })
  const dir = await ws.folder('binary-start', {
    'js-trivial.js': await benchFunction('js-trivial.js'),
  })
  const args = ['serve', dir, '--port', '0', '--quiet']
  const main = join(packageRoot, 'dist/host/cli/main.js')
  const binary: number[] = []
  const node: number[] = []
  const withoutExtraCa: number[] = []
  const { NODE_EXTRA_CA_CERTS: extraCa, ...envWithoutExtraCa } = process.env
  // Interleaved, so a burst of load elsewhere on the machine hits both alike.
  for (let i = 0; i < RUNS; i++) {
    binary.push(await startToFirst200(() => startProcess(binaryPath, args, 'fnhost binary')))
    node.push(await startToFirst200(() => startProcess(process.execPath, [main, ...args], 'node')))
    if (extraCa !== undefined)
      withoutExtraCa.push(
        await startToFirst200(() =>
          startProcess(binaryPath, args, 'fnhost binary', envWithoutExtraCa),
        ),
      )
  }
  return {
    binaryStartToFirst200: summarize(binary),
    nodeStartToFirst200: summarize(node),
    ...(withoutExtraCa.length > 0 && {
      binaryWithoutExtraCaStartToFirst200: summarize(withoutExtraCa),
    }),
    binarySizeMiB: Math.round(((await stat(binaryPath)).size / 2 ** 20) * 10) / 10,
  }
}

export function binarySection(b: BinaryResult): string {
  const row = (name: string, s: Summary) =>
    `  ${name.padEnd(34)} median ${s.medianMs.toFixed(1).padStart(7)} ms  (n=${s.n}, max ${s.maxMs.toFixed(1)})`
  return [
    `Binary (process start to first 200; size ${b.binarySizeMiB} MiB)`,
    row('binary', b.binaryStartToFirst200),
    row('node dist/host/cli/main.js', b.nodeStartToFirst200),
    ...(b.binaryWithoutExtraCaStartToFirst200
      ? [row('binary, NODE_EXTRA_CA_CERTS unset', b.binaryWithoutExtraCaStartToFirst200)]
      : []),
  ].join('\n')
}

export const binaryGoal = {
  goal: 'binary: process start to first 200',
  unit: 'ms',
  target: `<= ${BINARY_START_GOAL_MS}`,
  value: (m: { binary?: BinaryResult }) => m.binary?.binaryStartToFirst200.medianMs,
  met: (v: number) => v <= BINARY_START_GOAL_MS,
}
