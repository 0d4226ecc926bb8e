import { describe, expect, it } from 'vitest'
import { parseWrk } from '../../bench/load.js'
import { percentile, summarize } from '../../bench/stats.js'

const WRK_OUTPUT = `Running 5s test @ http://127.0.0.1:41000/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.21ms  400.00us   9.80ms   90.00%
    Req/Sec    41.40k     2.10k   44.00k    80.00%
  Latency Distribution
     50%  850.00us
     75%    1.10ms
     90%    1.40ms
     99%    4.02ms
  206069 requests in 5.00s, 30.00MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:  41198.82
Transfer/sec:      6.00MB
`

describe('parseWrk', () => {
  it('reads rate, percentiles in any unit, and every kind of error', () => {
    expect(parseWrk(WRK_OUTPUT)).toEqual({
      rps: 41198.82,
      p50Ms: 0.85,
      p99Ms: 4.02,
      requests: 206069,
      errors: 12,
      non2xx: 7,
      socketErrors: 5,
    })
  })

  it('refuses output without a latency distribution', () => {
    expect(() => parseWrk('Requests/sec: 1\n')).toThrow(/50th percentile/)
  })
})

describe('stats', () => {
  it('takes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(xs, 50)).toBe(50)
    expect(percentile(xs, 99)).toBe(99)
    expect(summarize([3, 1, 2])).toMatchObject({ n: 3, medianMs: 2, maxMs: 3 })
  })
})
