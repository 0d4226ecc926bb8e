import { kvSection, type KvBenchResult } from './scenarios/kv.js'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { comparisonSection, type Comparison } from './compare.js'
import type { GoalStatus } from './goals.js'
import type { GeneratorName } from './load.js'
import { machineLine, type Machine } from './machine.js'
import { PUBLISHED } from './published.js'
import { binarySection, type BinaryResult } from './scenarios/binary.js'
import type { ColdStartResult } from './scenarios/cold-start.js'
import type { DensityResult } from './scenarios/density.js'
import type { LimitsResult } from './scenarios/limits.js'
import type { PreemptionResult } from './scenarios/preemption.js'
import { formatMcu, type McuResult } from './scenarios/mcu.js'
import { observeSection, type ObserveResult } from './scenarios/observe.js'
import type { OverheadResult } from './scenarios/overhead.js'
import type { ThroughputResult } from './scenarios/throughput.js'
import { warmUpSection, type WarmUpResult } from './scenarios/warm-up.js'
import type { Settings } from './settings.js'
import type { Summary } from './stats.js'

export interface Report {
  machine: Machine
  settings: Settings & { quick: boolean }
  /** The load generator every timed HTTP figure ran with (wrk, or autocannon where wrk is missing). */
  loadGenerator: { name: GeneratorName; version: string } | null
  published: typeof PUBLISHED
  scenarios: ThroughputResult[]
  warmUp?: WarmUpResult
  observe?: ObserveResult
  coldStart?: ColdStartResult
  density?: DensityResult
  overhead?: OverheadResult
  limits?: LimitsResult
  preemption?: PreemptionResult
  mcu?: McuResult
  binary?: BinaryResult
  kv?: KvBenchResult
  /** `--compare FILE`: each scenario's ratio against an earlier run's. */
  comparison?: Comparison
  goals: GoalStatus[]
  /** Scenarios that could not run, with why; their goals stay unjudged. */
  failed: { name: string; reason: string }[]
}

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))]
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ')
  return cells.map(line).join('\n')
}

const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '-')
const thousands = (x: number) => Math.round(x).toLocaleString('en-US')

function summaryRow(name: string, s: Summary): (string | number)[] {
  return [name, s.n, fixed(s.medianMs, 1), fixed(s.p90Ms, 1), fixed(s.p99Ms, 1), fixed(s.maxMs, 1)]
}

function throughputSection(r: Report): string {
  const rows = r.scenarios.map((s) => [
    s.name,
    thousands(s.rps),
    fixed(s.p50Ms, 2),
    fixed(s.p99Ms, 2),
    s.errors,
    fixed(s.ratioToBaseline, 3),
    fixed(s.rssMiB, 0),
    fixed(s.cpu.mainUs, 1),
    fixed(s.cpu.workersUs, 1),
    fixed(s.cpu.otherUs, 1),
  ])
  const { connections, threads, warmupS, durationS } = r.settings
  const generator =
    r.loadGenerator?.name === 'autocannon'
      ? `autocannon -c${connections}, whole-millisecond latencies`
      : `wrk -t${threads} -c${connections}`
  return [
    `Throughput over HTTP (${generator}, ${warmupS} s warm-up, ${durationS} s timed, every scenario)`,
    table(
      [
        'scenario',
        'req/s',
        'p50 ms',
        'p99 ms',
        'errors',
        'x baseline',
        'RSS MiB',
        'main µs/req',
        'workers µs/req',
        'other µs/req',
      ],
      rows,
    ),
    'CPU of the server process over the timed run per request: its main thread, its worker threads, and its other threads (V8 GC and compiler threads, libuv pool)',
  ].join('\n')
}

function publishedSection(): string {
  const { isere, wasmtimeServe, spin } = PUBLISHED
  return [
    'Published figures (other machines and settings: compare ratios, not absolute numbers)',
    `  isère QuickJS vs Node 20: ${isere.quickjsRps} / ${thousands(isere.node20Rps)} req/s = ${fixed(isere.ratio, 4)}x baseline (${isere.settings}; ${isere.source})`,
    `  wasmtime serve hello world: ~${thousands(wasmtimeServe.rpsLow)}-${thousands(wasmtimeServe.rpsHigh)} req/s (${wasmtimeServe.source})`,
    `  Spin no-op request: ~${spin.latencyUs} µs (${spin.source})`,
  ].join('\n')
}

function coldStartSection(c: ColdStartResult): string {
  return [
    'Cold start (ms)',
    table(
      ['measure', 'n', 'median', 'p90', 'p99', 'max'],
      [
        summaryRow('new file written -> first 200', c.newFileToFirst200),
        summaryRow('first request of a just-listed function', c.firstRequest),
        summaryRow('warm request (median of 10 each)', c.warmRequest),
        summaryRow('process start -> first 200', c.processStartToFirst200),
        summaryRow(
          `new .ts file, ${fixed(c.bundledBytes / 1024, 0)} KB bundled (hono + a package) -> first 200`,
          c.bundledNewFileToFirst200,
        ),
      ],
    ),
    `first-request penalty (median first - median warm): ${fixed(c.firstRequestPenaltyMs, 2)} ms`,
  ].join('\n')
}

function densitySection(d: DensityResult): string {
  return [
    'Density (RSS of plain fnhost serve, MiB, before and after every function answered once)',
    table(
      ['idle JS functions', 'started', 'all answered', 'sandboxes loaded', 'evictions'],
      d.points.map((p) => [
        p.functions,
        fixed(p.startedRssMiB, 1),
        fixed(p.loadedRssMiB, 1),
        p.sandboxes,
        p.evictions,
      ]),
    ),
    `RSS per loaded function: ${fixed(d.perFunctionKiB, 1)} KiB`,
  ].join('\n')
}

function overheadSection(o: OverheadResult): string {
  const rows = [o.floor, ...o.drivers].map((d) => [
    d.name,
    fixed(d.meanUs, 1),
    fixed(d.p50Us, 1),
    fixed(d.p99Us, 1),
    fixed(d.overheadUs, 1),
  ])
  return [
    `Sandbox overhead per call, no HTTP (driver invoke in a loop, ${o.calls} calls, µs)`,
    table(['driver', 'mean', 'p50', 'p99', 'over floor'], rows),
  ].join('\n')
}

function limitsSection(l: LimitsResult): string {
  return [
    `Limits: answer time past a ${l.timeoutMs} ms CPU limit (ms; errors: answers other than 504 CPU_LIMIT)`,
    table(
      ['limit', 'n', 'median', 'p90', 'p99', 'max', 'errors'],
      [
        [...summaryRow('soft (QuickJS interrupt)', l.softOvershoot), l.softOvershoot.errors],
        [
          ...summaryRow('wasm loop (watchdog: stop in place)', l.hardKillOvershoot),
          l.hardKillOvershoot.errors,
        ],
      ],
    ),
  ].join('\n')
}

function preemptionSection(p: PreemptionResult): string {
  return [
    `Preemption (${p.mechanism}; ${p.stops} stops in place, ${p.kills} kills): ms past a ${p.timeoutMs} ms deadline, in process`,
    table(
      ['case', 'n', 'median', 'p90', 'p99', 'max'],
      [
        summaryRow('wasm loop, stopped in place', p.wasmLoopOvershoot),
        summaryRow('native sort, stopped in place', p.nativeSortOvershoot),
        summaryRow('next request after a stop (round trip)', p.nextRequestMs),
        summaryRow('wasm loop, worker killed (stops off)', p.hardKillOvershoot),
      ],
    ),
    `hard kills answered other than 504 CPU_LIMIT: ${p.hardKillErrors}`,
    `js-trivial on one thread, median per call: ${fixed(p.trivial.withStopsUs, 1)} µs with its guest entries published for stops, ${fixed(p.trivial.withoutStopsUs, 1)} µs without; ${p.trivial.entriesPerCall} entries per call x ${fixed(p.trivial.entryNs, 0)} ns per published entry = ${fixed(p.trivial.costPct, 2)} % of a call`,
  ].join('\n')
}

function goalsSection(goals: GoalStatus[]): string {
  const rows = goals.map((g) => [
    g.met === null ? 'n/a' : g.met ? 'MET' : 'MISSED',
    g.goal,
    g.value === null ? '-' : `${fixed(g.value, g.unit === 'x' ? 3 : 1)} ${g.unit}`,
    `${g.target} ${g.unit}`,
  ])
  return ['Goals', table(['status', 'goal', 'value', 'target'], rows)].join('\n')
}

/** The human-readable report: every figure of the JSON, as tables. */
export function formatReport(r: Report): string {
  const parts = [`fnhost bench${r.settings.quick ? ' (--quick)' : ''} · ${machineLine(r.machine)}`]
  if (r.scenarios.length) parts.push(throughputSection(r), publishedSection())
  if (r.comparison) parts.push(comparisonSection(r.comparison))
  if (r.warmUp) parts.push(warmUpSection(r.warmUp))
  if (r.observe) parts.push(observeSection(r.observe))
  if (r.coldStart) parts.push(coldStartSection(r.coldStart))
  if (r.density) parts.push(densitySection(r.density))
  if (r.overhead) parts.push(overheadSection(r.overhead))
  if (r.kv) parts.push(kvSection(r.kv))
  if (r.limits) parts.push(limitsSection(r.limits))
  if (r.preemption) parts.push(preemptionSection(r.preemption))
  if (r.mcu) parts.push(formatMcu(r.mcu))
  if (r.binary) parts.push(binarySection(r.binary))
  parts.push(goalsSection(r.goals))
  if (r.failed.length)
    parts.push(['Failed', ...r.failed.map((f) => `  ${f.name}: ${f.reason}`)].join('\n'))
  return parts.join('\n\n') + '\n'
}

/** The keys the JSON starts with, in the shape; the rest follow. */
const JSON_FIRST = [
  'machine',
  'loadGenerator',
  'scenarios',
  'coldStart',
  'density',
  'limits',
  'overhead',
  'goals',
  'failed',
] as const satisfies readonly (keyof Report)[]

/** The shape first (machine, scenarios, coldStart, density, limits), then the rest. */
export async function writeJson(path: string, r: Report): Promise<void> {
  const first: readonly string[] = JSON_FIRST
  const ordered = Object.fromEntries([
    ...JSON_FIRST.map((k) => [k, r[k]]),
    ...Object.entries(r).filter(([k]) => !first.includes(k)),
  ])
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, JSON.stringify(ordered, null, 2) + '\n')
}
