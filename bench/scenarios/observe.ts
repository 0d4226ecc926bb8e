import { checkAnswer, get, HELLO } from '../answer.js'
import { startServer, type Server } from '../children.js'
import { cpuWindow, type CpuPerRequest } from '../cpu.js'
import { benchFunction, type Workspace } from '../fixtures.js'
import type { LoadGenerator } from '../load.js'
import type { Settings } from '../settings.js'
import { median, round } from '../stats.js'

/** Issue #13's bound: with metrics and JSON logs on, js-trivial keeps at least 95 % of its rate. */
export const OBSERVE_MIN_RATIO = 0.95

export const OBSERVE_MODES = ['off', 'metrics', 'on'] as const
export type ObserveMode = (typeof OBSERVE_MODES)[number]

/**
 * off: no metrics, no access log. on: metrics (request counter, latency histogram) and one JSON
 * access line per request, written into a pipe the bench drains. metrics: metrics without the
 * access log (what `fnhost serve --quiet` and the js-trivial scenario run), to split the cost.
 */
export const OBSERVE_ARGS: Record<ObserveMode, string[]> = {
  off: ['--quiet', '--no-metrics'],
  metrics: ['--quiet'],
  on: ['--log-format', 'json'],
}

export interface ObserveSide {
  /** requests/s of each slice, in the order run. */
  rps: number[]
  medianRps: number
  /** Per request, medians over the slices. */
  mainUs: number
  totalUs: number
}

export interface ObserveResult {
  /** Slices run, each loading every mode once. */
  rounds: number
  off: ObserveSide
  metrics: ObserveSide
  on: ObserveSide
  /**
   * Median over the slices of on/off requests/s (each slice loads the three hosts in turn); the goal is
   * >= OBSERVE_MIN_RATIO.
   */
  ratio: number
  /** The same for metrics alone: metrics/off. */
  metricsRatio: number
  /**
   * off/on of the process's CPU per request (medians): the rate ratio a CPU-bound host would
   * show, steadier than requests/s when other work shares the cores.
   */
  cpuRatio: number
}

const ROUTE = '/js-trivial'

function start(mode: ObserveMode, dir: string): Promise<Server> {
  return startServer('host/cli/main', ['serve', dir, '--port', '0', ...OBSERVE_ARGS[mode]])
}

/** fnhost_requests_total for js-trivial, 200, summed from the scrape. */
async function counted(server: Server): Promise<number> {
  const { status, body } = await get(server.url + '/_fnhost/metrics')
  if (status !== 200) throw new Error(`/_fnhost/metrics answered ${status}`)
  const line = body
    .split('\n')
    .find((l) => l.startsWith('fnhost_requests_total{function="js-trivial",status="200"'))
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0
}

/**
 * Slices of the comparison (odd, so a median is one slice's): in each, every mode serves load for
 * one short window, one after another.
 */
export function observeRounds(settings: Settings & { quick?: boolean }): number {
  return settings.quick ? 7 : 11
}

/** Each slice's window per mode: short, so drift on a shared machine falls on all modes alike. */
function sliceSeconds(settings: Settings): number {
  return settings.durationS >= 4 ? 2 : 1
}

/**
 * js-trivial served by three `fnhost serve` processes started side by side (off, metrics only,
 * on), each warmed up, then loaded in turn for a short window per slice, the order rotated each
 * slice: a machine whose speed drifts (other work on the cores) moves all three alike, which
 * separate runs of several seconds each did not. Answers are checked before and after timing,
 * and the request counter of each counting server must account for every request made to it.
 */
export async function measureObserve(
  ws: Workspace,
  settings: Settings,
  generator: LoadGenerator,
  rounds: number,
  progress: (line: string) => void = () => {},
): Promise<ObserveResult> {
  const dir = await ws.folder('observe', { 'js-trivial.js': await benchFunction('js-trivial.js') })
  const seen: Record<ObserveMode, { rps: number; cpu: CpuPerRequest }[]> = {
    off: [],
    metrics: [],
    on: [],
  }
  const load = { connections: settings.connections, threads: settings.threads }
  const expected = { status: 200, body: HELLO }
  const servers = new Map<ObserveMode, Server>()
  const made = { off: 0, metrics: 0, on: 0 }
  try {
    for (const mode of OBSERVE_MODES) servers.set(mode, await start(mode, dir))
    for (const [mode, server] of servers) {
      const url = server.url + ROUTE
      await checkAnswer(url, expected)
      const warm = await generator.run(url, { ...load, durationS: Math.max(2, settings.warmupS) })
      made[mode] += warm.requests + 1
    }
    const durationS = sliceSeconds(settings)
    for (let r = 0; r < rounds; r++) {
      // Each slice starts one mode later, so none always runs first or last.
      const order = OBSERVE_MODES.map((_, i) => OBSERVE_MODES[(i + r) % OBSERVE_MODES.length])
      for (const mode of order as ObserveMode[]) {
        const server = servers.get(mode) as Server
        const window = cpuWindow(server.pid)
        const result = await generator.run(server.url + ROUTE, { ...load, durationS })
        const cpu = window.end(result.requests)
        if (result.errors > 0) throw new Error(`${mode}: ${result.errors} errors under load`)
        made[mode] += result.requests
        seen[mode].push({ rps: result.rps, cpu })
      }
      progress(
        `slice ${r + 1}: ` +
          OBSERVE_MODES.map((m) => `${m} ${round(seen[m][r]?.rps ?? 0)}`).join(', ') +
          ' req/s',
      )
    }
    for (const [mode, server] of servers) {
      await checkAnswer(server.url + ROUTE, expected)
      made[mode] += 1
      if (mode === 'off') continue
      const n = await counted(server)
      if (n < made[mode])
        throw new Error(`${mode}: the request counter says ${n}, the load made ${made[mode]}`)
    }
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()))
  }
  const side = (mode: ObserveMode): ObserveSide => ({
    rps: seen[mode].map((s) => round(s.rps, 1)),
    medianRps: round(median(seen[mode].map((s) => s.rps)), 1),
    mainUs: round(median(seen[mode].map((s) => s.cpu.mainUs)), 1),
    totalUs: round(median(seen[mode].map((s) => s.cpu.totalUs)), 1),
  })
  const off = side('off')
  const on = side('on')
  const pairRatio = (mode: ObserveMode) =>
    round(median(seen[mode].map((s, i) => s.rps / (seen.off[i] as { rps: number }).rps)), 4)
  return {
    rounds,
    off,
    metrics: side('metrics'),
    on,
    ratio: pairRatio('on'),
    metricsRatio: pairRatio('metrics'),
    cpuRatio: round(off.totalUs / on.totalUs, 4),
  }
}

/** The report's lines for the comparison. */
export function observeSection(o: ObserveResult): string {
  const line = (label: string, s: ObserveSide) =>
    `  ${label.padEnd(34)} ${Math.round(s.medianRps).toLocaleString('en-US').padStart(7)} req/s` +
    `  main ${s.mainUs.toFixed(1)} µs/req, process ${s.totalUs.toFixed(1)} µs/req`
  return [
    `What metrics and logs cost (observe): js-trivial, three hosts side by side, ${o.rounds} slices loading each in turn (order rotated), medians`,
    line('off (--quiet --no-metrics)', o.off),
    line(`metrics only (--quiet), x${o.metricsRatio.toFixed(3)}`, o.metrics),
    line('on (metrics + JSON access log)', o.on),
    `  ratio on/off ${o.ratio.toFixed(3)} (median of each slice's pair; goal >= ${OBSERVE_MIN_RATIO}); from CPU per request: ${o.cpuRatio.toFixed(3)}`,
  ].join('\n')
}

/** The correctness half alone: each mode answers js-trivial, and metrics count the request. */
export async function checkObserve(ws: Workspace): Promise<void> {
  const dir = await ws.folder('observe-check', {
    'js-trivial.js': await benchFunction('js-trivial.js'),
  })
  for (const mode of OBSERVE_MODES) {
    const server = await start(mode, dir)
    try {
      await checkAnswer(server.url + ROUTE, { status: 200, body: HELLO })
      if (mode !== 'off' && (await counted(server)) !== 1)
        throw new Error('the on-side request counter did not count the one request made')
    } finally {
      await server.stop()
    }
  }
}
