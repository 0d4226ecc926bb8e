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
