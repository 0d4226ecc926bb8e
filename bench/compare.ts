import { readFile } from 'node:fs/promises'

/** What `--compare` needs of an earlier `--json` result; everything else in it is ignored. */
export interface EarlierRun {
  file: string
  date: string
  loadAverage1m: number | null
  /** Scenario name -> its ratio to that run's own baseline. */
  ratios: Map<string, number>
}

export class CompareFileError extends Error {
  override readonly name = 'CompareFileError'
}

/** Reads a JSON report written by `npm run bench -- --json FILE`, refusing anything else. */
export async function readEarlierRun(file: string): Promise<EarlierRun> {
  let json: unknown
  try {
    json = JSON.parse(await readFile(file, 'utf8'))
  } catch (e) {
    throw new CompareFileError(`--compare ${file}: ${(e as Error).message}`, { cause: e })
  }
  const r = json as {
    machine?: { date?: unknown; loadAverage1m?: unknown }
    scenarios?: unknown
  }
  if (typeof r !== 'object' || r === null || !Array.isArray(r.scenarios))
    throw new CompareFileError(`--compare ${file}: not a bench JSON result (no scenarios list)`)
  const ratios = new Map<string, number>()
  for (const s of r.scenarios as { name?: unknown; ratioToBaseline?: unknown }[]) {
    if (typeof s?.name === 'string' && typeof s.ratioToBaseline === 'number')
      ratios.set(s.name, s.ratioToBaseline)
  }
  return {
    file,
    date: typeof r.machine?.date === 'string' ? r.machine.date : 'unknown date',
    loadAverage1m: typeof r.machine?.loadAverage1m === 'number' ? r.machine.loadAverage1m : null,
    ratios,
  }
}

export interface RatioChange {
  name: string
  before: number
  now: number
  /** now / before - 1, e.g. 0.25 for a ratio a quarter higher than before. */
  change: number
}

export interface Comparison {
  file: string
  date: string
  loadAverage1m: number | null
  changes: RatioChange[]
  /** Scenarios of this run the earlier one did not measure, and the reverse. */
  onlyNow: string[]
  onlyBefore: string[]
}

/** Each scenario measured in both runs: its ratio to the same run's baseline, before and now. */
export function compareRatios(
  earlier: EarlierRun,
  now: { name: string; ratioToBaseline: number }[],
): Comparison {
  const changes: RatioChange[] = []
  const onlyNow: string[] = []
  for (const s of now) {
    const before = earlier.ratios.get(s.name)
    if (before === undefined) onlyNow.push(s.name)
    else
      changes.push({
        name: s.name,
        before,
        now: s.ratioToBaseline,
        change: s.ratioToBaseline / before - 1,
      })
  }
  const names = new Set(now.map((s) => s.name))
  const onlyBefore = [...earlier.ratios.keys()].filter((n) => !names.has(n))
  const { file, date, loadAverage1m } = earlier
  return { file, date, loadAverage1m, changes, onlyNow, onlyBefore }
}

function signed(x: number): string {
  if (!Number.isFinite(x)) return '-'
  const pct = (x * 100).toFixed(1)
  return x > 0 ? `+${pct} %` : `${pct} %`
}

export function comparisonSection(c: Comparison): string {
  const load = c.loadAverage1m === null ? '' : `, load ${c.loadAverage1m}`
  const width = Math.max(8, ...c.changes.map((x) => x.name.length))
  const lines = [
    `Compared with ${c.file} (${c.date.slice(0, 16).replace('T', ' ')}${load}): x baseline, before -> now`,
    ...c.changes.map(
      (x) =>
        `  ${x.name.padEnd(width)}  ${x.before.toFixed(3)} -> ${x.now.toFixed(3)}  ${signed(x.change)}`,
    ),
  ]
  if (c.onlyNow.length) lines.push(`  not in the earlier run: ${c.onlyNow.join(', ')}`)
  if (c.onlyBefore.length) lines.push(`  not measured now: ${c.onlyBefore.join(', ')}`)
  return lines.join('\n')
}
