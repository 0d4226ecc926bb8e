import type { Metric, Registry as PromRegistry } from 'prom-client'

/** One function's answers and latencies, as plain numbers. */
interface FnTally {
  /** HTTP status -> error code -> requests. */
  answers: Map<number, Map<string, number>>
  /** Requests per latency bucket, not cumulative; the last slot is past the largest bound. */
  buckets: number[]
  /** Seconds, summed. */
  sum: number
  count: number
}

/**
 * Requests by function, status and error code, and their latencies, counted with plain numbers on
 * the request path and handed to prom-client only when scraped. prom-client's own `inc` and
 * `observe` validate and hash a label object on every call: ~3 µs of the main thread per request
 * in a host serving js-trivial (CPU profiles, metrics on against off), where this costs a few map
 * lookups.
 */
export class RequestTally {
  private readonly fns = new Map<string, FnTally>()

  /** `bounds`: the histogram's bucket upper bounds in seconds, ascending. */
  constructor(readonly bounds: readonly number[]) {}

  add(fn: string, status: number, error: string, seconds: number): void {
    let t = this.fns.get(fn)
    if (t === undefined) {
      t = {
        answers: new Map(),
        buckets: new Array<number>(this.bounds.length + 1).fill(0),
        sum: 0,
        count: 0,
      }
      this.fns.set(fn, t)
    }
    let byError = t.answers.get(status)
    if (byError === undefined) t.answers.set(status, (byError = new Map()))
    byError.set(error, (byError.get(error) ?? 0) + 1)
    // A value on a bound belongs to that bound's bucket (le: less than or equal), as in prom-client.
    const { bounds } = this
    let i = 0
    while (i < bounds.length && seconds > bounds[i]!) i++
    t.buckets[i]!++
    t.sum += seconds
    t.count++
  }

  /** Every (function, status, error) with its count. */
  *answers(): Iterable<[fn: string, status: number, error: string, count: number]> {
    for (const [fn, t] of this.fns)
      for (const [status, byError] of t.answers)
        for (const [error, count] of byError) yield [fn, status, error, count]
  }

  latencies(): Iterable<[fn: string, tally: Readonly<FnTally>]> {
    return this.fns.entries()
  }

  clear(): void {
    this.fns.clear()
  }
}

type HistogramValue = {
  metricName: string
  labels: Record<string, string | number>
  value: number
}

/**
 * A Prometheus histogram by function read from a RequestTally: what prom-client's Histogram
 * reports (`_bucket` cumulative with `le`, then `_sum`, `_count`, per function), in the metric
 * object shape its registry formats and returns from `getSingleMetric(name).get()`.
 */
export function registerTallyHistogram(
  registry: PromRegistry,
  name: string,
  help: string,
  tally: RequestTally,
): void {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const values: HistogramValue[] = []
      for (const [fn, t] of tally.latencies()) {
        let acc = 0
        tally.bounds.forEach((le, i) => {
          acc += t.buckets[i]!
          values.push({ metricName: `${name}_bucket`, labels: { le, function: fn }, value: acc })
        })
        values.push(
          { metricName: `${name}_bucket`, labels: { le: '+Inf', function: fn }, value: t.count },
          { metricName: `${name}_sum`, labels: { function: fn }, value: t.sum },
          { metricName: `${name}_count`, labels: { function: fn }, value: t.count },
        )
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' }
    },
    reset() {
      tally.clear()
    },
  }
  // The registry reads a metric through `get()` (and `reset()`, `name`, `type`); the cast is for
  // its typing, which lists only prom-client's own classes.
  registry.registerMetric(metric as unknown as Metric)
}
