import { describe, expect, it } from 'vitest'
import { ConfigError, resolveConfig } from '../../host/config.js'
import { newTraceparent, traceparentFor, validTraceparent } from '../../host/observe/trace.js'
import { normalizeSchedule } from '../../host/schedule.js'

describe('schedule config', () => {
  it('takes a 5- or 6-field cron string or { cron, timezone, payload }', () => {
    expect(resolveConfig({ schedule: '*/5 * * * *' }, 'x').schedule).toBe('*/5 * * * *')
    expect(resolveConfig({ schedule: '*/10 * * * * *' }, 'x').schedule).toBe('*/10 * * * * *')
    const full = { cron: '0 9 * * 1', timezone: 'Europe/Paris', payload: { a: [1, 'b'] } }
    expect(normalizeSchedule(resolveConfig({ schedule: full }, 'x').schedule!)).toEqual(full)
    expect(normalizeSchedule('* * * * *')).toEqual({ cron: '* * * * *', payload: null })
  })

  it.each([
    [{ schedule: '* * * *' }, /5 fields .* got 4/],
    [{ schedule: '* * * * * * *' }, /got 7/],
    [{ schedule: '61 * * * *' }, /minute/],
    [{ schedule: { cron: '* * * * *', timezone: 'Mars/Olympus' } }, /unknown time zone/],
    [{ schedule: { cron: '* * * * *', extra: 1 } }, /schedule/],
    [{ schedule: '' }, /schedule/],
  ])('refuses %j with the reason', (raw, reason) => {
    expect(() => resolveConfig(raw, 'f.json')).toThrow(ConfigError)
    expect(() => resolveConfig(raw, 'f.json')).toThrow(reason)
  })
})

describe('trace context', () => {
  const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
  it('keeps a valid traceparent and replaces anything else', () => {
    expect(validTraceparent(valid)).toBe(valid)
    expect(traceparentFor(valid)).toBe(valid)
    for (const bad of [
      undefined,
      '',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
      `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01\nforged`,
    ]) {
      expect(validTraceparent(bad), String(bad)).toBeUndefined()
      expect(traceparentFor(bad)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    }
    expect(validTraceparent(`01-${'a'.repeat(32)}-${'b'.repeat(16)}-01-more`)).toBeDefined()
    expect(newTraceparent()).not.toBe(newTraceparent())
  })
})
