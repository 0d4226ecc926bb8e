import { checkAnswer, get, WrongAnswerError, type Expected } from '../answer.js'
import { startFnhost, type Server } from '../children.js'
import { benchFunction, type Workspace } from '../fixtures.js'
import type { Settings } from '../settings.js'
import { spinWasm } from '../spin-wasm.js'
import { summarize, type Summary } from '../stats.js'

export interface LimitsResult {
  timeoutMs: number
  /** A JS loop stopped by the QuickJS interrupt handler: answer time minus the CPU limit. */
  softOvershoot: Summary
  /** A wasm loop nothing inside can stop, ended by the worker watchdog: answer time minus the limit. */
  hardKillOvershoot: Summary
}

const cpuLimit: Expected = { status: 504, error: 'CPU_LIMIT' }

async function limitsServer(ws: Workspace, timeoutMs: number, name: string): Promise<Server> {
  const config = JSON.stringify({ timeoutMs })
  const dir = await ws.folder(name, {
    'cpu-spin.js': await benchFunction('cpu-spin.js'),
    'cpu-spin.json': config,
    'wasm-spin.wasm': spinWasm(),
    'wasm-spin.json': config,
  })
  return startFnhost(dir)
}

async function overshoots(url: string, runs: number, timeoutMs: number): Promise<number[]> {
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const { status, ms } = await get(url)
    if (status !== cpuLimit.status)
      throw new WrongAnswerError(`${url} answered ${status}, expected ${cpuLimit.status}`)
    samples.push(ms - timeoutMs)
  }
  return samples
}

export async function measureLimits(ws: Workspace, settings: Settings): Promise<LimitsResult> {
  const timeoutMs = settings.limitTimeoutMs
  const server = await limitsServer(ws, timeoutMs, 'limits')
  try {
    await checkAnswer(`${server.url}/cpu-spin`, cpuLimit)
    await checkAnswer(`${server.url}/wasm-spin`, cpuLimit)
    const soft = await overshoots(`${server.url}/cpu-spin`, settings.limitRuns, timeoutMs)
    const hard = await overshoots(`${server.url}/wasm-spin`, settings.limitRuns, timeoutMs)
    return { timeoutMs, softOvershoot: summarize(soft), hardKillOvershoot: summarize(hard) }
  } finally {
    await server.stop()
  }
}

export async function checkLimits(ws: Workspace, settings: Settings): Promise<void> {
  const server = await limitsServer(ws, settings.limitTimeoutMs, 'limits-check')
  try {
    await checkAnswer(`${server.url}/cpu-spin`, cpuLimit)
    await checkAnswer(`${server.url}/wasm-spin`, cpuLimit)
  } finally {
    await server.stop()
  }
}
