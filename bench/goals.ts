import { binaryGoal, type BinaryResult } from './scenarios/binary.js'
import type { ColdStartResult } from './scenarios/cold-start.js'
import type { DensityResult } from './scenarios/density.js'
import type { LimitsResult } from './scenarios/limits.js'
import { OBSERVE_MIN_RATIO, type ObserveResult } from './scenarios/observe.js'
import type { PreemptionResult } from './scenarios/preemption.js'
import type { ThroughputResult } from './scenarios/throughput.js'

export interface Measured {
  scenarios: ThroughputResult[]
  coldStart?: ColdStartResult
  density?: DensityResult
  limits?: LimitsResult
  preemption?: PreemptionResult
  binary?: BinaryResult
  observe?: ObserveResult
}

export interface GoalStatus {
  goal: string
  /** The figure the goal is judged on, or null when this run did not measure it. */
  value: number | null
  unit: string
  target: string
  met: boolean | null
}

interface Goal {
  goal: string
  unit: string
  target: string
  value(m: Measured): number | undefined
  met(value: number): boolean
}

const scenario = (m: Measured, name: string) => m.scenarios.find((s) => s.name === name)

/** Issue #17: how many times wagi-c's per-request cost a fresh C component may cost. */
export const COMPONENT_MAX_COST_RATIO = 2

/** component-c's CPU per request over wagi-c's, both from this run (bench/cpu.ts). */
function componentCostRatio(m: Measured, part: 'totalUs' | 'workersUs'): number | undefined {
  const component = scenario(m, 'component-c')?.cpu[part]
  const wagi = scenario(m, 'wagi-c')?.cpu[part]
  if (component === undefined || wagi === undefined || !(wagi > 0)) return undefined
  return Math.round((component / wagi) * 100) / 100
}

/**
 * The targets (issue #5's, the throughput ones as issue #11 raised them, and issue #17's component
 * cost), each judged on one figure of the run.
 */
const GOALS: Goal[] = [
  {
    goal: 'js-trivial requests/s vs baseline',
    unit: 'x',
    target: '>= 0.5',
    value: (m) => scenario(m, 'js-trivial')?.ratioToBaseline,
    met: (v) => v >= 0.5,
  },
  {
    goal: 'js-trivial p99 at 50 connections',
    unit: 'ms',
    target: '<= 10',
    value: (m) => scenario(m, 'js-trivial')?.p99Ms,
    met: (v) => v <= 10,
  },
  {
    goal: 'wagi-c requests/s vs baseline',
    unit: 'x',
    target: '>= 0.5',
    value: (m) => scenario(m, 'wagi-c')?.ratioToBaseline,
    met: (v) => v >= 0.5,
  },
  {
    // Issue #17: a fresh C component costs at most twice what the WAGI C handler does, counted as
    // the server's CPU per request in the same run (both run the same hello over the same host).
    goal: 'component-c (fresh) CPU per request vs wagi-c',
    unit: 'x',
    target: `<= ${COMPONENT_MAX_COST_RATIO}`,
    value: (m) => componentCostRatio(m, 'totalUs'),
    met: (v) => v <= COMPONENT_MAX_COST_RATIO,
  },
  {
    // The same, counting only the worker threads that run the guests: the host's HTTP work,
    // alike for both, left out.
    goal: 'component-c (fresh) worker CPU per request vs wagi-c',
    unit: 'x',
    target: `<= ${COMPONENT_MAX_COST_RATIO}`,
    value: (m) => componentCostRatio(m, 'workersUs'),
    met: (v) => v <= COMPONENT_MAX_COST_RATIO,
  },
  {
    goal: 'fnmicro requests/s vs baseline',
    unit: 'x',
    target: '>= 0.6',
    value: (m) => scenario(m, 'fnmicro')?.ratioToBaseline,
    met: (v) => v >= 0.6,
  },
  {
    goal: 'new JS file served after write (median)',
    unit: 'ms',
    target: '<= 50',
    value: (m) => m.coldStart?.newFileToFirst200.medianMs,
    met: (v) => v <= 50,
  },
  {
    goal: 'new 500 KB bundled TS function served after write (median)',
    unit: 'ms',
    target: '<= 50',
    value: (m) => m.coldStart?.bundledNewFileToFirst200.medianMs,
    met: (v) => v <= 50,
  },
  {
    goal: 'first-request penalty (median)',
    unit: 'ms',
    target: '<= 10',
    value: (m) => m.coldStart?.firstRequestPenaltyMs,
    met: (v) => v <= 10,
  },
  {
    goal: 'RSS with 1,000 idle JS functions, all loaded (plain fnhost serve)',
    unit: 'MiB',
    target: '<= 1024',
    value: (m) => {
      const p = m.density?.points.find((q) => q.functions === 1000)
      // Evicted sandboxes hold nothing: the figure counts only if all 1,000 stayed loaded.
      return p && p.sandboxes >= p.functions ? p.loadedRssMiB : undefined
    },
    met: (v) => v <= 1024,
  },
  {
    goal: 'soft CPU-limit overshoot p99',
    unit: 'ms',
    target: '<= 10',
    value: (m) => m.limits?.softOvershoot.p99Ms,
    met: (v) => v <= 10,
  },
  {
    goal: 'wasm-loop overshoot p99 over HTTP (the watchdog)',
    unit: 'ms',
    target: '<= 100',
    value: (m) => m.limits?.hardKillOvershoot.p99Ms,
    met: (v) => v <= 100,
  },
  {
    goal: 'in-place stop overshoot p99, wasm loop',
    unit: 'ms',
    target: '<= 10',
    value: (m) => m.preemption?.wasmLoopOvershoot.p99Ms,
    met: (v) => v <= 10,
  },
  {
    goal: 'in-place stop overshoot p99, native sort',
    unit: 'ms',
    target: '<= 10',
    value: (m) => m.preemption?.nativeSortOvershoot.p99Ms,
    met: (v) => v <= 10,
  },
  {
    goal: 'hard-kill overshoot p99 (in-place stops off)',
    unit: 'ms',
    target: '<= 100',
    value: (m) => m.preemption?.hardKillOvershoot.p99Ms,
    met: (v) => v <= 100,
  },
  {
    goal: 'js-trivial cost of publishing guest entries for stops',
    unit: '%',
    target: '<= 1 (none measurable)',
    value: (m) => m.preemption?.trivial.costPct,
    met: (v) => v <= 1,
  },
  binaryGoal,
  {
    // Issue #13: metrics and JSON access logs cost at most 5 % of js-trivial's rate.
    goal: 'js-trivial with metrics + JSON logs vs off',
    unit: 'x',
    target: `>= ${OBSERVE_MIN_RATIO}`,
    value: (m) => m.observe?.ratio,
    met: (v) => v >= OBSERVE_MIN_RATIO,
  },
]

export function judgeGoals(m: Measured): GoalStatus[] {
  return GOALS.map((g) => {
    const value = g.value(m)
    return {
      goal: g.goal,
      unit: g.unit,
      target: g.target,
      value: value ?? null,
      met: value === undefined ? null : g.met(value),
    }
  })
}
