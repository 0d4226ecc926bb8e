import { describe, expect, it } from 'vitest'
import { isoTime } from '../../host/observe/iso-time.js'

describe('isoTime', () => {
  it('is what Date#toISOString gives, across seconds, milliseconds and years', () => {
    const base = Date.UTC(2026, 11, 1, 1, 2, 3)
    const times = [
      0,
      base,
      base + 1,
      base + 9,
      base + 10,
      base + 99,
      base + 100,
      base + 999,
      base + 1000,
      base - 1,
      base + 59_999,
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(2000, 0, 1),
      -1,
      -86_400_001,
      Date.UTC(10_000, 0, 1, 0, 0, 0, 5),
      base + 0.5,
    ]
    for (const ms of times) expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString())
    // Alternating seconds, each formatted again when it comes back.
    for (let i = 0; i < 50; i++) {
      const ms = base + (i % 2) * 1000 + i
      expect(isoTime(ms)).toBe(new Date(ms).toISOString())
    }
  })
})
