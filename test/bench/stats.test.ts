import { describe, expect, it } from 'vitest'
import { groupMedianMean, mean, t90 } from '../../bench/stats.js'

describe('groupMedianMean', () => {
  it('is the mean of the group medians, with a t interval over them', () => {
    // Medians 1, 2 and 3: mean 2, standard deviation 1, t(2) = 2.920.
    const { mean, interval } = groupMedianMean([
      [0, 1, 5],
      [2, 2, 9],
      [3, -4, 3],
    ])
    expect(mean).toBe(2)
    expect(interval[0]).toBeCloseTo(2 - 2.92 / Math.sqrt(3), 10)
    expect(interval[1]).toBeCloseTo(2 + 2.92 / Math.sqrt(3), 10)
  })

  it('stays wide when groups differ, however many samples each group has', () => {
    // Groups whose samples agree within each group but differ by 10 % between groups. Taken as
    // 800 independent samples, their interval would be narrow; the groups' interval is not.
    const many = (x: number) => Array.from({ length: 200 }, (_, i) => x + (i % 5) * 0.001)
    const groups = [many(0.9), many(1.0), many(1.0), many(1.1)]
    const all = groups.flat()
    const m = mean(all)
    const sd = Math.sqrt(all.reduce((acc, x) => acc + (x - m) ** 2, 0) / (all.length - 1))
    const pooledWidth = (2 * t90(all.length - 1) * sd) / Math.sqrt(all.length)
    const grouped = groupMedianMean(groups).interval
    expect(grouped[1] - grouped[0]).toBeGreaterThan(0.1)
    expect(pooledWidth).toBeLessThan(0.02)
  })

  it('narrows as groups are added', () => {
    const groups = (n: number) =>
      Array.from({ length: n }, (_, i) => [0.9 + (i % 4) * 0.05, 0.95 + (i % 3) * 0.03, 1])
    const width = (n: number) => {
      const [lo, hi] = groupMedianMean(groups(n)).interval
      return hi - lo
    }
    expect(width(40)).toBeLessThan(width(8))
    expect(width(8)).toBeLessThan(width(4))
  })

  it('has no figure for no groups, and no interval for one', () => {
    const none = groupMedianMean([[], []])
    expect(none.mean).toBeNaN()
    expect(none.interval.every(Number.isNaN)).toBe(true)
    const one = groupMedianMean([[1.1, 1.2, 1.3]])
    expect(one.mean).toBe(1.2)
    expect(one.interval.every(Number.isNaN)).toBe(true)
  })

  it("uses Student's t, which falls toward the normal 1.645 as groups grow", () => {
    expect(t90(1)).toBe(6.314)
    expect(t90(9)).toBe(1.833)
    expect(t90(39)).toBe(1.684)
    expect(t90(1000)).toBe(1.645)
  })
})
