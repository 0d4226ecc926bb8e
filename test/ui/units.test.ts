import { describe, expect, it } from 'vitest'
import { isLoopbackAddress } from '../../host/loopback.js'
import { kindLabel } from '../../host/sandbox/labels.js'
import { p99Ms } from '../../host/ui/series.js'

describe('the dashboard helpers', () => {
  it('takes the p99 of the requests between two readings of a histogram', () => {
    // Cumulative counts by bucket bound (seconds): before, then after 100 more requests.
    const before: [number, number][] = [
      [0.001, 10],
      [0.01, 10],
      [0.1, 10],
      [Infinity, 10],
    ]
    const after: [number, number][] = [
      [0.001, 10],
      [0.01, 100],
      [0.1, 110],
      [Infinity, 110],
    ]
    // 90 of the 100 new ones took 1-10 ms, 10 took 10-100 ms: rank 99 is 9/10 into that bucket.
    expect(p99Ms(before, after)).toBeCloseTo(91, 5)
    expect(p99Ms(after, after)).toBeNull()
    // Past the last finite bound the estimate is that bound.
    expect(
      p99Ms(
        [],
        [
          [0.5, 0],
          [Infinity, 4],
        ],
      ),
    ).toBe(500)
  })

  it('knows loopback addresses in every spelling, and nothing else', () => {
    for (const a of [
      '127.0.0.1',
      '127.9.8.7',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
    ])
      expect(isLoopbackAddress(a), a).toBe(true)
    for (const a of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '128.0.0.1',
      '::ffff:10.0.0.1',
      'localhost',
      '::2',
    ])
      expect(isLoopbackAddress(a), a).toBe(false)
  })

  it('labels kinds as users name them', () => {
    expect(kindLabel('quickjs', '/f/a.js')).toBe('JS')
    expect(kindLabel('quickjs', '/f/a.ts')).toBe('TS')
    expect(kindLabel('wasi', '/f/a.wasm')).toBe('WAGI')
    expect(kindLabel('micro', '/f/a.wasm')).toBe('fnmicro')
    expect(kindLabel('component', '/f/a.wasm')).toBe('component')
    expect(kindLabel(undefined, '/f/a.wasm')).toBe('wasm')
  })
})
