import { loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { packageRoot } from '../host/paths.js'
import { compareRatios, readEarlierRun, type EarlierRun } from './compare.js'
import { workspace, type Workspace } from './fixtures.js'
import { judgeGoals } from './goals.js'
import {
  chooseLoadGenerator,
  GENERATOR_NAMES,
  type GeneratorName,
  type LoadGenerator,
} from './load.js'
import { describeMachine } from './machine.js'
import { PUBLISHED } from './published.js'
import { formatReport, writeJson, type Report } from './report.js'
import { measureBinary } from './scenarios/binary.js'
import { measureColdStart } from './scenarios/cold-start.js'
import { measureDensity } from './scenarios/density.js'
import { measureKv } from './scenarios/kv.js'
import { measureLimits } from './scenarios/limits.js'
import { measureMcu } from './scenarios/mcu.js'
import { measureObserve, observePlan } from './scenarios/observe.js'
import { measureOverhead } from './scenarios/overhead.js'
import { measurePreemption } from './scenarios/preemption.js'
import {
  measureThroughput,
  THROUGHPUT_NAMES,
  throughputScenarios,
  type ThroughputName,
  type ThroughputResult,
} from './scenarios/throughput.js'
import { measureWarmUp } from './scenarios/warm-up.js'
import { FULL, QUICK } from './settings.js'
import { round } from './stats.js'

/** Scenarios that drive HTTP load, and so need a load generator. */
const LOADED_NAMES = ['warm-up', 'observe'] as const
const OTHER_NAMES = [
  'cold-start',
  'density',
  'overhead',
  'limits',
  'preemption',
  'mcu',
  'binary',
  'kv',
] as const
const ALL_NAMES: readonly string[] = [...THROUGHPUT_NAMES, ...LOADED_NAMES, ...OTHER_NAMES]

const USAGE = `usage: npm run bench -- [--quick] [--only <scenario>]... [--json <file>] [--compare <file>]
  --quick             short runs (about 3 minutes in all on 2 cores)
  --only <name>       run only this scenario (repeat or comma-separate; throughput ones also run the baseline)
  --json <file>       where to write the JSON (default .bench-out/bench.json)
  --compare <file>    print each scenario's ratio to baseline against an earlier --json result
  --generator <name>  wrk or autocannon (default: wrk when on PATH, else autocannon; env FNHOST_BENCH_GENERATOR)
scenarios: ${ALL_NAMES.join(', ')}`

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`)
}

async function main(): Promise<number> {
  let values
  try {
    values = parseArgs({
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string', multiple: true },
        json: { type: 'string' },
        compare: { type: 'string' },
        generator: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n${USAGE}\n`)
    return 2
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  const only = (values.only ?? []).flatMap((o) => o.split(',')).filter(Boolean)
  const unknown = only.filter((o) => !ALL_NAMES.includes(o))
  if (unknown.length) {
    process.stderr.write(`bench: unknown scenario ${unknown.join(', ')}\n${USAGE}\n`)
    return 2
  }
  const generatorName = values.generator ?? process.env.FNHOST_BENCH_GENERATOR
  if (
    generatorName !== undefined &&
    !(GENERATOR_NAMES as readonly string[]).includes(generatorName)
  ) {
    process.stderr.write(`bench: unknown load generator ${generatorName}\n${USAGE}\n`)
    return 2
  }
  const wanted = (name: string) => only.length === 0 || only.includes(name)
  const settings = values.quick ? QUICK : FULL
  const jsonPath = resolve(values.json ?? join(packageRoot, '.bench-out', 'bench.json'))
  // Read before anything runs: a wrong path must not cost a whole run.
  let earlier: EarlierRun | undefined
  if (values.compare !== undefined) {
    try {
      earlier = await readEarlierRun(resolve(values.compare))
    } catch (e) {
      process.stderr.write(`bench: ${(e as Error).message}\n`)
      return 2
    }
  }

  let throughput = THROUGHPUT_NAMES.filter(wanted)
  // A ratio needs the ceiling measured in the same run.
  if (throughput.length && !throughput.includes('baseline'))
    throughput = ['baseline', ...throughput]
  const loaded = throughput.length > 0 || LOADED_NAMES.some(wanted)
  const generator: LoadGenerator | undefined = loaded
    ? await chooseLoadGenerator(generatorName as GeneratorName | undefined)
    : undefined
  if (generator) progress(`load generator: ${generator.version}`)
  const machine = describeMachine(generator?.version ?? 'none')
  if ((loadavg()[0] as number) > machine.cores / 2)
    progress(
      `load average is ${machine.loadAverage1m} on ${machine.cores} cores: other work will distort the figures`,
    )

  const report: Report = {
    machine,
    settings: { ...settings, quick: values.quick ?? false },
    loadGenerator: generator ? { name: generator.name, version: generator.version } : null,
    published: PUBLISHED,
    scenarios: [],
    goals: [],
    failed: [],
  }
  const attempt = async <T>(name: string, body: () => Promise<T>): Promise<T | undefined> => {
    progress(name)
    try {
      return await body()
    } catch (e) {
      const reason = (e as Error).message.split('\n').slice(0, 4).join(' | ')
      progress(`${name} failed: ${reason}`)
      report.failed.push({ name, reason })
      return undefined
    }
  }

  await using ws: Workspace = await workspace()
  const measured: Omit<ThroughputResult, 'ratioToBaseline'>[] = []
  for (const name of throughput as ThroughputName[]) {
    const r = await attempt(name, () =>
      measureThroughput(throughputScenarios[name], ws, settings, generator as LoadGenerator),
    )
    if (r) measured.push(r)
  }
  const baselineRps = measured.find((m) => m.name === 'baseline')?.rps ?? Number.NaN
  report.scenarios = measured.map((m) => ({
    ...m,
    rssMiB: round(m.rssMiB, 1),
    ratioToBaseline: round(m.rps / baselineRps, 4),
  }))
  if (earlier) report.comparison = compareRatios(earlier, report.scenarios)
  if (generator && wanted('warm-up'))
    report.warmUp = await attempt('warm-up', () => measureWarmUp(ws, settings, generator))
  if (generator && wanted('observe'))
    report.observe = await attempt('observe', () =>
      measureObserve(ws, settings, generator, observePlan(report.settings), (l) =>
        progress(`observe ${l}`),
      ),
    )
  if (wanted('cold-start'))
    report.coldStart = await attempt('cold-start', () => measureColdStart(ws, settings))
  if (wanted('density'))
    report.density = await attempt('density', () => measureDensity(ws, settings))
  if (wanted('overhead'))
    report.overhead = await attempt('overhead', () => measureOverhead(ws, settings))
  if (wanted('limits')) report.limits = await attempt('limits', () => measureLimits(ws, settings))
  if (wanted('preemption'))
    report.preemption = await attempt('preemption', () => measurePreemption(settings))
  if (wanted('mcu')) report.mcu = await attempt('mcu', measureMcu)
  if (wanted('binary')) report.binary = await attempt('binary', () => measureBinary(ws))
  if (wanted('kv')) report.kv = await attempt('kv', () => measureKv(ws, settings))
  report.goals = judgeGoals(report)

  process.stdout.write(formatReport(report))
  await writeJson(jsonPath, report)
  process.stdout.write(`\nJSON written to ${jsonPath}\n`)
  return report.failed.length ? 1 : 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exitCode = 1
  },
)
