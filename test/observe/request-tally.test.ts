import { Counter, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { registerTallyHistogram, RequestTally } from '../../host/observe/request-tally.js'

const BOUNDS = [0.001, 0.005, 0.01, 0.1, 1]
const NAME = 'fnhost_request_duration_seconds'
const HELP = 'Time from the request to the response head, by function'

/** Requests as (function, status, error, seconds), with values on, between and past the bounds. */
const SEQUENCE: [string, number, string, number][] = [
  ['a', 200, 'none', 0.0004],
  ['a', 200, 'none', 0.001],
  ['a', 200, 'none', 0.0011],
  ['a', 504, 'CPU_LIMIT', 0.3],
  ['a', 504, 'CPU_LIMIT', 2.5],
  ['b', 200, 'none', 0.01],
  ['(none)', 404, 'NOT_FOUND', 0],
  ['b', 503, 'OVERLOADED', 0.05],
  ['a', 200, 'none', 0.0004],
]

describe('RequestTally', () => {
  it('reports what prom-client Counter and Histogram report for the same requests', async () => {
    const reference = new Registry()
    const counter = new Counter({
      name: 'fnhost_requests_total',
      help: 'requests',
      labelNames: ['function', 'status', 'error'],
      registers: [reference],
    })
    const histogram = new Histogram({
      name: NAME,
      help: HELP,
      labelNames: ['function'],
      buckets: BOUNDS,
      registers: [reference],
    })
    const tally = new RequestTally(BOUNDS)
    const tallied = new Registry()
    registerTallyHistogram(tallied, NAME, HELP, tally)
    for (const [fn, status, error, seconds] of SEQUENCE) {
      counter.inc({ function: fn, status: String(status), error })
      histogram.observe({ function: fn }, seconds)
      tally.add(fn, status, error, seconds)
    }

    // The text format, byte for byte, and the JSON form the dashboard reads.
    expect(await tallied.getSingleMetricAsString(NAME)).toBe(
      await reference.getSingleMetricAsString(NAME),
    )
    // prom-client's buckets also carry `exemplar: null` (OpenMetrics exemplars, unused here).
    const withoutExemplars = async (r: Registry) => {
      const { values, ...rest } = await r.getSingleMetric(NAME)!.get()
      return {
        ...rest,
        values: values.map(({ labels, value, ...v }) => ({
          ...v,
          labels,
          value,
          exemplar: undefined,
        })),
      }
    }
    expect(await withoutExemplars(tallied)).toEqual(await withoutExemplars(reference))
    const answers = [...tally.answers()].map(([fn, status, error, n]) => ({
      labels: { function: fn, status: String(status), error },
      value: n,
    }))
    const expected = (await counter.get()).values.map(({ labels, value }) => ({ labels, value }))
    expect(answers).toEqual(expect.arrayContaining(expected))
    expect(answers).toHaveLength(expected.length)

    // Reset through the registry, as prom-client's own metrics reset.
    tallied.resetMetrics()
    expect((await tallied.getSingleMetric(NAME)!.get()).values).toEqual([])
  })
})
