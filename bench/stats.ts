/** Nearest-rank percentile (p in 0..100) of samples; NaN for none. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number
}

export function median(samples: number[]): number {
  return percentile(samples, 50)
}

export function mean(samples: number[]): number {
  return samples.reduce((sum, x) => sum + x, 0) / samples.length
}

/** Student's t at 0.95 (a two-sided 90 % interval) by degrees of freedom, 1 to 30. */
const T90 = [
  6.314, 2.92, 2.353, 2.132, 2.015, 1.943, 1.895, 1.86, 1.833, 1.812, 1.796, 1.782, 1.771, 1.761,
  1.753, 1.746, 1.74, 1.734, 1.729, 1.725, 1.721, 1.717, 1.714, 1.711, 1.708, 1.706, 1.703, 1.701,
  1.699, 1.697,
]

/** Student's t for a two-sided 90 % interval with `df` degrees of freedom (df >= 1). */
export function t90(df: number): number {
  if (df <= 30) return T90[df - 1] as number
  return df <= 40 ? 1.684 : df <= 60 ? 1.671 : df <= 120 ? 1.658 : 1.645
}

/**
 * The mean over groups of each group's median, and a 90 % confidence interval for it (Student's
 * t over the group medians). For samples that share something within a group, such as the slices
 * measured on one set of processes, which all carry that set's own bias: each group's median
 * carries it whole, so the interval reflects how much groups differ, which more samples within
 * one group cannot reduce. With fewer than two groups nothing says how much groups differ: the
 * interval is [NaN, NaN] (the mean too, for none).
 */
export function groupMedianMean(groups: number[][]): { mean: number; interval: [number, number] } {
  const medians = groups.filter((g) => g.length > 0).map(median)
  const n = medians.length
  const m = n > 0 ? mean(medians) : Number.NaN
  if (n < 2) return { mean: m, interval: [Number.NaN, Number.NaN] }
  const sd = Math.sqrt(medians.reduce((acc, x) => acc + (x - m) ** 2, 0) / (n - 1))
  const half = (t90(n - 1) * sd) / Math.sqrt(n)
  return { mean: m, interval: [m - half, m + half] }
}

export interface Summary {
  n: number
  medianMs: number
  p90Ms: number
  p99Ms: number
  maxMs: number
}

export function summarize(samplesMs: number[]): Summary {
  return {
    n: samplesMs.length,
    medianMs: round(median(samplesMs)),
    p90Ms: round(percentile(samplesMs, 90)),
    p99Ms: round(percentile(samplesMs, 99)),
    maxMs: round(Math.max(...samplesMs)),
  }
}

/** Figures keep three decimals: microseconds when the unit is milliseconds. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
