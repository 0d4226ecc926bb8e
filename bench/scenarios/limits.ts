import { checkAnswer, errorCode, get, WrongAnswerError, type Expected } from '../answer.js'
import { startFnhost, type Server } from '../children.js'
import { benchFunction, type Workspace } from '../fixtures.js'
import type { Settings } from '../settings.js'
import { spinWasm } from '../spin-wasm.js'
import { sleep, summarize, type Summary } from '../stats.js'

export interface Overshoot extends Summary {
  /** Answers other than 504 CPU_LIMIT during the timed part: counted, not timed. */
  errors: number
}

export interface LimitsResult {
  timeoutMs: number
  /** A JS loop stopped by the QuickJS interrupt handler: answer time minus the CPU limit. */
  softOvershoot: Overshoot
  /** A wasm loop nothing inside can stop, ended by the worker watchdog: answer time minus the limit. */
  hardKillOvershoot: Overshoot
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

/**
 * Sequential requests that each run into the limit. `pauseMs` between them lets the pool replace
 * a killed worker, so each sample times one kill rather than a queue of them.
 */
async function overshoots(
  url: string,
  runs: number,
  timeoutMs: number,
  pauseMs: number,
): Promise<Overshoot> {
  const samples: number[] = []
  let errors = 0
  for (let i = 0; i < runs; i++) {
    const { status, body, ms } = await get(url)
    const code = status === 504 ? errorCode(body) : undefined
    if (code === 'CPU_LIMIT') samples.push(ms - timeoutMs)
    else errors++
    await sleep(pauseMs)
  }
  return { ...summarize(samples), errors }
}

/**
 * The QuickJS driver counts a load (the first request's, and the reload after each stopped run)
 * against the function's own 100 ms, so on a busy machine one of those answers 500
 * FUNCTION_LOAD_FAILED. The check allows that answer twice; anything else but 504 CPU_LIMIT fails.
 */
async function checkBoth(server: Server): Promise<void> {
  for (let tries = 1; ; tries++) {
    const { status, body } = await get(`${server.url}/cpu-spin`)
    const code = errorCode(body)
    if (status === 504 && code === 'CPU_LIMIT') break
    if (code !== 'FUNCTION_LOAD_FAILED' || tries === 3)
      throw new WrongAnswerError(
        `/cpu-spin answered ${status} ${body.slice(0, 300)}, expected 504 CPU_LIMIT`,
      )
  }
  await checkAnswer(`${server.url}/wasm-spin`, cpuLimit)
}

export async function measureLimits(ws: Workspace, settings: Settings): Promise<LimitsResult> {
  const timeoutMs = settings.limitTimeoutMs
  const server = await limitsServer(ws, timeoutMs, 'limits')
  try {
    await checkBoth(server)
    return {
      timeoutMs,
      softOvershoot: await overshoots(`${server.url}/cpu-spin`, settings.limitRuns, timeoutMs, 0),
      hardKillOvershoot: await overshoots(
        `${server.url}/wasm-spin`,
        settings.limitRuns,
        timeoutMs,
        300,
      ),
    }
  } finally {
    await server.stop()
  }
}

export async function checkLimits(ws: Workspace, settings: Settings): Promise<void> {
  const server = await limitsServer(ws, settings.limitTimeoutMs, 'limits-check')
  try {
    await checkBoth(server)
  } finally {
    await server.stop()
  }
}
