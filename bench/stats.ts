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

/**
 * A distribution-free confidence interval for the median of `samples` (order statistics: the
 * median lies between the k-th smallest and the k-th largest sample with probability at least
 * `level`, k from the binomial distribution with p = 1/2). Wide for few samples: with fewer than 6
 * it is the whole range. [NaN, NaN] for none.
 */
export function medianInterval(samples: number[], level = 0.9): [number, number] {
  const n = samples.length
  if (n === 0) return [Number.NaN, Number.NaN]
  const sorted = [...samples].sort((a, b) => a - b)
  // P(X < k) for X ~ Binomial(n, 1/2), summed term by term; k grows while both tails stay
  // within (1 - level) / 2 each.
  const tail = (1 - level) / 2
  let below = 0
  let term = 0.5 ** n
  let k = 0
  while (k < Math.floor(n / 2) && below + term <= tail) {
    below += term
    term = (term * (n - k)) / (k + 1)
    k++
  }
  const lo = Math.max(0, k - 1)
  return [sorted[lo] as number, sorted[n - 1 - lo] as number]
}

export function mean(samples: number[]): number {
  return samples.reduce((sum, x) => sum + x, 0) / samples.length
}

/** A seeded pseudo-random generator (mulberry32), uniform in [0, 1): a bootstrap repeats exactly. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * The mean over groups of each group's median, and a `level` confidence interval for it from a
 * two-stage (cluster) bootstrap: groups drawn with replacement, then each drawn group's samples
 * drawn with replacement. For samples that share something within a group, such as the slices
 * measured on one set of processes, which all carry that set's own bias: the interval then
 * reflects how much sets differ, which more samples within one set cannot reduce.
 * [NaN, NaN] intervals for no groups.
 */
export function groupMedianMean(
  groups: number[][],
  level = 0.9,
  resamples = 4000,
): { mean: number; interval: [number, number] } {
  const used = groups.filter((g) => g.length > 0)
  if (used.length === 0) return { mean: Number.NaN, interval: [Number.NaN, Number.NaN] }
  const random = seeded(0x0b5e7)
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)] as T
  const means: number[] = []
  for (let r = 0; r < resamples; r++) {
    let sum = 0
    for (let i = 0; i < used.length; i++) {
      const group = pick(used)
      sum += median(group.map(() => pick(group)))
    }
    means.push(sum / used.length)
  }
  const tail = ((1 - level) / 2) * 100
  return {
    mean: mean(used.map(median)),
    interval: [percentile(means, tail), percentile(means, 100 - tail)],
  }
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
