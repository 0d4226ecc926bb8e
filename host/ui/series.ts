import type { HostMetrics } from '../observe/metrics.js'

/** One function's recent traffic, one point per sample, oldest first. */
export interface FunctionSeries {
  /** Requests per second over each sample interval. */
  rps: number[]
  /** 99th percentile latency (ms) over each interval; null when it had no request. */
  p99Ms: (number | null)[]
  /** Answers with a host error code or a 5xx status, per interval. */
  errors: number[]
  /** Since the host started. */
  requests: number
  errorsTotal: number
}

interface Reading {
  at: number
  requests: Map<string, { total: number; errors: number }>
  /** Per function: cumulative counts by bucket bound (seconds, Infinity last), ascending. */
  buckets: Map<string, [number, number][]>
}

export const SAMPLE_MS = 5_000
/** Points kept: five minutes at the default interval. */
export const SAMPLES = 60
/** Sampling stops when nobody asked for the series this long (no dashboard open). */
const IDLE_MS = 2 * 60_000

/**
 * Rates and p99 over the last minutes, from the host's own Prometheus counters and histogram,
 * sampled every few seconds. Sampling starts with the first dashboard that asks and stops when no
 * dashboard has asked for a while, so a host nobody watches does no work for it.
 */
export class TrafficSeries {
  private readonly history: Reading[] = []
  private timer?: NodeJS.Timeout
  private lastAsked = 0

  constructor(
    private readonly metrics: HostMetrics,
    readonly sampleMs = SAMPLE_MS,
    private readonly samples = SAMPLES,
  ) {}

  /** The series of these functions (the deployed ones); starts sampling if it was not. */
  async read(names: string[]): Promise<Record<string, FunctionSeries>> {
    this.lastAsked = Date.now()
    if (!this.timer) {
      this.timer = setInterval(() => void this.sample(), this.sampleMs).unref()
      await this.sample()
    }
    const out: Record<string, FunctionSeries> = {}
    for (const name of names) out[name] = this.seriesOf(name)
    return out
  }

  private async sample(): Promise<void> {
    if (Date.now() - this.lastAsked > IDLE_MS) {
      clearInterval(this.timer)
      this.timer = undefined
      this.history.length = 0
      return
    }
    this.history.push(await readMetrics(this.metrics))
    if (this.history.length > this.samples + 1) this.history.shift()
  }

  private seriesOf(name: string): FunctionSeries {
    const s: FunctionSeries = { rps: [], p99Ms: [], errors: [], requests: 0, errorsTotal: 0 }
    for (let i = 1; i < this.history.length; i++) {
      const a = this.history[i - 1] as Reading
      const b = this.history[i] as Reading
      const ra = a.requests.get(name) ?? { total: 0, errors: 0 }
      const rb = b.requests.get(name) ?? { total: 0, errors: 0 }
      s.rps.push(round((rb.total - ra.total) / ((b.at - a.at) / 1000)))
      s.errors.push(rb.errors - ra.errors)
      s.p99Ms.push(p99Ms(a.buckets.get(name) ?? [], b.buckets.get(name) ?? []))
    }
    const last = this.history.at(-1)?.requests.get(name)
    s.requests = last?.total ?? 0
    s.errorsTotal = last?.errors ?? 0
    return s
  }
}

async function readMetrics(metrics: HostMetrics): Promise<Reading> {
  const reading: Reading = { at: Date.now(), requests: new Map(), buckets: new Map() }
  const requests = await metrics.registry.getSingleMetric('fnhost_requests_total')?.get()
  for (const v of requests?.values ?? []) {
    const fn = String(v.labels.function)
    const r = reading.requests.get(fn) ?? { total: 0, errors: 0 }
    r.total += v.value
    if (v.labels.error !== 'none' || Number(v.labels.status) >= 500) r.errors += v.value
    reading.requests.set(fn, r)
  }
  const latency = await metrics.registry.getSingleMetric('fnhost_request_duration_seconds')?.get()
  for (const v of latency?.values ?? []) {
    // A histogram's values are its buckets, sum and count, told apart by their names.
    if (!(v as { metricName?: string }).metricName?.endsWith('_bucket')) continue
    const fn = String(v.labels.function)
    const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le)
    const list = reading.buckets.get(fn) ?? []
    list.push([le, v.value])
    reading.buckets.set(fn, list)
  }
  for (const list of reading.buckets.values()) list.sort((x, y) => x[0] - y[0])
  return reading
}

/**
 * The 99th percentile of the requests between two readings of a cumulative histogram, by linear
 * interpolation inside the bucket it falls in (as Prometheus' histogram_quantile does).
 */
export function p99Ms(before: [number, number][], after: [number, number][]): number | null {
  const counts = after.map(([le, n], i) => [le, n - (before[i]?.[1] ?? 0)] as [number, number])
  const total = counts.at(-1)?.[1] ?? 0
  if (total <= 0) return null
  const rank = 0.99 * total
  let lowerBound = 0
  let lowerCount = 0
  for (const [le, n] of counts) {
    if (n >= rank) {
      if (le === Infinity) return round(lowerBound * 1000)
      const share = n === lowerCount ? 0 : (rank - lowerCount) / (n - lowerCount)
      return round((lowerBound + (le - lowerBound) * share) * 1000)
    }
    lowerBound = le
    lowerCount = n
  }
  return round(lowerBound * 1000)
}

function round(x: number): number {
  return Math.round(x * 100) / 100
}
