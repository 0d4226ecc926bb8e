import { Cron } from 'croner'
import * as z from 'zod'

/** A function's schedule, normalized: the config may give just the cron string. */
export interface Schedule {
  cron: string
  timezone?: string
  payload: unknown
}

function cronProblem(cron: string, timezone?: string): string | undefined {
  const fields = cron.trim().split(/\s+/).length
  if (fields !== 5 && fields !== 6)
    return `a cron expression has 5 fields (minute hour day month weekday) or 6 (seconds first), got ${fields}`
  try {
    new Cron(cron, { paused: true, timezone }).nextRun()
    return undefined
  } catch (e) {
    return (e as Error).message
  }
}

const cronString = z
  .string()
  .min(1)
  .max(256)
  .superRefine((cron, ctx) => {
    const problem = cronProblem(cron)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })

/** `"*\/5 * * * *"` or `{ cron, timezone, payload }`; checked with croner at load. */
export const scheduleSchema = z.union([
  cronString,
  z
    .strictObject({
      cron: cronString,
      timezone: z.string().min(1).max(64).optional(),
      payload: z.json().optional(),
    })
    .superRefine((s, ctx) => {
      if (s.timezone === undefined) return
      if (!validTimezone(s.timezone))
        ctx.addIssue({
          code: 'custom',
          path: ['timezone'],
          message: `unknown time zone ${s.timezone}`,
        })
    }),
])

export type ScheduleConfig = z.infer<typeof scheduleSchema>

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

export function normalizeSchedule(config: ScheduleConfig): Schedule {
  if (typeof config === 'string') return { cron: config, payload: null }
  return { cron: config.cron, timezone: config.timezone, payload: config.payload ?? null }
}

/** Equal schedules need no re-plan on a hot reload. */
export function sameSchedule(a: Schedule, b: Schedule): boolean {
  return (
    a.cron === b.cron &&
    a.timezone === b.timezone &&
    JSON.stringify(a.payload) === JSON.stringify(b.payload)
  )
}
