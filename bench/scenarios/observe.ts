import { checkAnswer, get, HELLO } from '../answer.js'
import { startServer, type Server } from '../children.js'
import { cpuWindow, type CpuPerRequest } from '../cpu.js'
import { benchFunction, type Workspace } from '../fixtures.js'
import type { LoadGenerator } from '../load.js'
import type { Settings } from '../settings.js'
import { loadavg } from 'node:os'
import { groupMedianMean, median, percentile, round } from '../stats.js'
import { coresBusy } from '../machine.js'

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
  /** Sets of three fresh processes (off, metrics, on), and slices measured on each set. */
  sets: number
  slices: number
  off: ObserveSide
  metrics: ObserveSide
  on: ObserveSide
  /**
   * on/off requests/s: each slice's pair (the three hosts of a set loaded in turn), the median
   * over a set's slices, then the mean over sets. The goal is >= OBSERVE_MIN_RATIO.
   */
  ratio: number
  /** Each set's median on/off ratio, in the order run: how much one set of processes differs. */
  setRatios: number[]
  /** The middle half of all slices' on/off ratios (25th and 75th percentile): how much a slice varies. */
  ratioSpread: [number, number]
  /**
   * A 90 % confidence interval for `ratio` (groupMedianMean: Student's t over the sets'
   * medians). Two processes of one build with the same flags differ here by up to 5-10 % for as
   * long as they run (thread placement, JIT timing), so slices on one set cannot narrow the
   * interval below that set's own bias: sets of fresh processes do.
   */
  ratioInterval: [number, number]
  /** The same for metrics alone: metrics/off. */
  metricsRatio: number
  /**
   * The same mean of set medians of off/on of the process's CPU per request: the rate ratio a
   * CPU-bound host would show, steadier than requests/s when other work takes the cores from it.
   */
  cpuRatio: number
  /** The same for the main thread alone (HTTP, Hono, the middleware, the log line). */
  mainRatio: number
  /**
   * The share of the cores other work kept busy in the second before the comparison (coresBusy):
   * past OTHER_BUSY the rates are noise.
   */
  otherBusy: number
  /** The 1-minute load average before and after, the bench's own hosts and load included. */
  load: [number, number]
}

/** Other work keeping more than this share of the cores busy before the comparison: the report says so. */
export const OTHER_BUSY = 0.25

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

/** Warm-up windows (1 s each) at least and at most, and how close two in a row must be to end it. */
const WARM_MIN = 3
const WARM_MAX = 12
const WARM_STEADY = 0.15

/**
 * Loads `url` in 1 s windows until two in a row are within WARM_STEADY of each other (at least
 * WARM_MIN, at most WARM_MAX windows): on a busy machine V8's compiler threads get little time and
 * a host took 4-5 s to reach its rate, so a fixed 2 s warm-up left the first slices slow.
 * Returns the requests made.
 */
async function warmUp(
  generator: LoadGenerator,
  url: string,
  load: { connections: number; threads: number },
): Promise<number> {
  let made = 0
  let previous = 0
  for (let i = 0; i < WARM_MAX; i++) {
    const { rps, requests, errors } = await generator.run(url, { ...load, durationS: 1 })
    if (errors > 0) throw new Error(`warm-up: ${errors} errors under load`)
    made += requests
    if (i + 1 >= WARM_MIN && Math.abs(rps - previous) <= WARM_STEADY * previous) break
    previous = rps
  }
  return made
}

/** How many sets of fresh processes the comparison starts, and the slices it measures on each. */
export interface ObservePlan {
  sets: number
  slices: number
}

/**
 * One slice's on/off pair varies by about 10 % here (the machine's speed alone varies by 5 % from
 * one half second to the next), and each set of processes carries a bias of its own of up to
 * 5-10 %: a 5 % bound needs several sets, each with enough slices (odd, so a set's median is one
 * slice's) to pin its own ratio.
 */
export function observePlan(settings: Settings & { quick?: boolean }): ObservePlan {
  return settings.quick ? { sets: 4, slices: 5 } : { sets: 10, slices: 5 }
}

/** Each slice's window per mode: short, so drift on a shared machine falls on all modes alike. */
const SLICE_S = 1

/**
 * js-trivial served by three `fnhost serve` processes started side by side (off, metrics only,
 * on), each warmed up, then loaded in turn for a short window per slice, the order rotated each
 * slice: a machine whose speed drifts (other work on the cores) moves all three alike, which
 * separate runs of several seconds each did not. Then the three are stopped and a fresh set is
 * started, `plan.sets` times: a process keeps its own speed for as long as it runs, so only new
 * processes average that out. Answers are checked before and after timing, and the request
 * counter of each counting server must account for every request made to it.
 */
export async function measureObserve(
  ws: Workspace,
  settings: Settings,
  generator: LoadGenerator,
  plan: ObservePlan,
  progress: (line: string) => void = () => {},
): Promise<ObserveResult> {
  const dir = await ws.folder('observe', { 'js-trivial.js': await benchFunction('js-trivial.js') })
  const otherBusy = await coresBusy()
  const loadBefore = loadavg()[0] as number
  const sets: Record<ObserveMode, Seen[]>[] = []
  for (let set = 0; set < plan.sets; set++) {
    sets.push(
      await measureSet(dir, settings, generator, plan.slices, (l) =>
        progress(`set ${set + 1}/${plan.sets} ${l}`),
      ),
    )
  }
  const side = (mode: ObserveMode): ObserveSide => {
    const all = sets.flatMap((s) => s[mode])
    return {
      rps: all.map((s) => round(s.rps, 1)),
      medianRps: round(median(all.map((s) => s.rps)), 1),
      mainUs: round(median(all.map((s) => s.cpu.mainUs)), 1),
      totalUs: round(median(all.map((s) => s.cpu.totalUs)), 1),
    }
  }
  // Each slice's pair (the modes ran seconds apart), grouped by set.
  const pairs = (mode: ObserveMode, of: (s: Seen) => number) =>
    sets.map((set) => set[mode].map((s, i) => of(s) / of(set.off[i] as Seen)))
  const onRps = pairs('on', (s) => s.rps)
  const slices = onRps.flat()
  const inverse = (groups: number[][]) => groups.map((xs) => xs.map((x) => 1 / x))
  const on = groupMedianMean(onRps)
  const r4 = (x: number) => round(x, 4)
  return {
    sets: plan.sets,
    slices: plan.slices,
    off: side('off'),
    metrics: side('metrics'),
    on: side('on'),
    ratio: r4(on.mean),
    setRatios: onRps.map((xs) => r4(median(xs))),
    ratioSpread: [r4(percentile(slices, 25)), r4(percentile(slices, 75))],
    ratioInterval: on.interval.map(r4) as [number, number],
    metricsRatio: r4(groupMedianMean(pairs('metrics', (s) => s.rps)).mean),
    cpuRatio: r4(groupMedianMean(inverse(pairs('on', (s) => s.cpu.totalUs))).mean),
    mainRatio: r4(groupMedianMean(inverse(pairs('on', (s) => s.cpu.mainUs))).mean),
    otherBusy: round(otherBusy, 3),
    load: [round(loadBefore, 2), round(loadavg()[0] as number, 2)],
  }
}

/** One set: three fresh hosts, warmed up, `slices` slices, answers and counters checked. */
async function measureSet(
  dir: string,
  settings: Settings,
  generator: LoadGenerator,
  slices: number,
  progress: (line: string) => void,
): Promise<Record<ObserveMode, Seen[]>> {
  const seen: Record<ObserveMode, Seen[]> = { off: [], metrics: [], on: [] }
  const load = { connections: settings.connections, threads: settings.threads }
  const expected = { status: 200, body: HELLO }
  const servers = new Map<ObserveMode, Server>()
  const made = { off: 0, metrics: 0, on: 0 }
  try {
    for (const mode of OBSERVE_MODES) servers.set(mode, await start(mode, dir))
    for (const [mode, server] of servers) {
      const url = server.url + ROUTE
      await checkAnswer(url, expected)
      made[mode] += (await warmUp(generator, url, load)) + 1
    }
    for (let r = 0; r < slices; r++) {
      // Each slice starts one mode later, so none always runs first or last.
      const order = OBSERVE_MODES.map((_, i) => OBSERVE_MODES[(i + r) % OBSERVE_MODES.length])
      for (const mode of order as ObserveMode[]) {
        const server = servers.get(mode) as Server
        const window = cpuWindow(server.pid)
        const result = await generator.run(server.url + ROUTE, { ...load, durationS: SLICE_S })
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
  return seen
}

type Seen = { rps: number; cpu: CpuPerRequest }

/** The report's lines for the comparison. */
export function observeSection(o: ObserveResult): string {
  const line = (label: string, s: ObserveSide) =>
    `  ${label.padEnd(34)} ${Math.round(s.medianRps).toLocaleString('en-US').padStart(7)} req/s` +
    `  main ${s.mainUs.toFixed(1)} µs/req, process ${s.totalUs.toFixed(1)} µs/req`
  return [
    `What metrics and logs cost (observe): js-trivial, ${plural(o.sets, 'set')} of three fresh hosts side by side, ${plural(o.slices, 'slice')} each loading each host in turn (order rotated); rates and CPU are medians over all slices`,
    line('off (--quiet --no-metrics)', o.off),
    line(`metrics only (--quiet), x${o.metricsRatio.toFixed(3)}`, o.metrics),
    line('on (metrics + JSON access log)', o.on),
    `  ratio on/off ${o.ratio.toFixed(3)} (each set's median of its slices' pairs, mean over sets; goal >= ${OBSERVE_MIN_RATIO}), ` +
      (o.sets < 2
        ? 'no interval: one set of processes says nothing of how much sets differ'
        : `90 % interval ${o.ratioInterval[0].toFixed(3)}-${o.ratioInterval[1].toFixed(3)}: ${verdict(o.ratioInterval)}`),
    `  each set's ratio: ${o.setRatios.map((x) => x.toFixed(3)).join(', ')}; one slice's pair varies: middle half ${o.ratioSpread[0].toFixed(3)}-${o.ratioSpread[1].toFixed(3)}`,
    `  from CPU per request (off/on, the same mean of set medians): process ${o.cpuRatio.toFixed(3)}, main thread ${o.mainRatio.toFixed(3)}`,
    `  cores busy with other work before: ${Math.round(o.otherBusy * 100)} %` +
      (o.otherBusy > OTHER_BUSY
        ? ` (above ${OTHER_BUSY * 100} %: the rates are noise, the CPU ratios the steadier figure)`
        : '') +
      `; load average ${o.load[0]} before, ${o.load[1]} after (the bench's own hosts and load included)`,
  ].join('\n')
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/** What the interval says of the bound. */
function verdict([lo, hi]: [number, number]): string {
  if (lo >= OBSERVE_MIN_RATIO) return 'the bound holds at this precision'
  if (hi < OBSERVE_MIN_RATIO) return 'the bound is missed at this precision'
  return 'this run cannot tell the figure from the bound (more sets narrow it)'
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
