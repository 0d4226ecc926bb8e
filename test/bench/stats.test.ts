import { describe, expect, it } from 'vitest'
import { groupMedianMean, medianInterval } from '../../bench/stats.js'

describe('groupMedianMean', () => {
  it('is the mean of the group medians, with an interval around it', () => {
    const groups = [
      [0.9, 1.0, 1.1],
      [0.95, 0.97, 2.0],
      [1.02, 1.03, 1.01],
    ]
    const { mean, interval } = groupMedianMean(groups)
    expect(mean).toBeCloseTo((1.0 + 0.97 + 1.02) / 3, 10)
    expect(interval[0]).toBeLessThanOrEqual(mean)
    expect(interval[1]).toBeGreaterThanOrEqual(mean)
    // The interval lies within what any resample can reach.
    expect(interval[0]).toBeGreaterThanOrEqual(0.9)
    expect(interval[1]).toBeLessThanOrEqual(2.0)
  })

  it('repeats exactly for the same samples', () => {
    const groups = [
      [1, 2, 3, 4, 5],
      [2, 3, 4, 5, 6],
    ]
    expect(groupMedianMean(groups)).toEqual(groupMedianMean(groups))
  })

  it('stays wide when groups differ, however many samples each group has', () => {
    // Groups whose samples agree within each group but differ by 10 % between groups: the
    // pooled samples' median interval is narrow, the groups' interval is not.
    const many = (x: number) => Array.from({ length: 200 }, (_, i) => x + (i % 5) * 0.001)
    const groups = [many(0.9), many(1.0), many(1.0), many(1.1)]
    const pooled = medianInterval(groups.flat())
    const grouped = groupMedianMean(groups).interval
    expect(grouped[1] - grouped[0]).toBeGreaterThan(0.04)
    expect(pooled[1] - pooled[0]).toBeLessThan(0.01)
  })

  it('narrows as groups are added', () => {
    const groups = (n: number) =>
      Array.from({ length: n }, (_, i) => [0.9 + (i % 4) * 0.05, 0.95 + (i % 3) * 0.03, 1])
    const width = (n: number) => {
      const [lo, hi] = groupMedianMean(groups(n)).interval
      return hi - lo
    }
    expect(width(40)).toBeLessThan(width(4))
  })

  it('has no figure for no groups', () => {
    const { mean, interval } = groupMedianMean([[], []])
    expect(mean).toBeNaN()
    expect(interval.every(Number.isNaN)).toBe(true)
  })
})
