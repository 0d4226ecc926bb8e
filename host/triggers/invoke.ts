import { randomUUID } from 'node:crypto'
import { FnhostError, toFnhostError } from '../errors.js'
import type { GuestResponse, ScheduledInvocation } from '../invocation.js'
import { invocationLog, type Logger } from '../observe/log.js'
import type { Registry } from '../registry/registry.js'
import { guestBodyBytes } from '../response.js'
import type { RunOutcome, RunScheduled } from './scheduler.js'

/** One tick of a schedule (or a manual trigger): when it was due and what it carries. */
export interface Tick {
  cron: string
  scheduledTime: number
  payload: unknown
}

const neverAborted = new AbortController().signal

/**
 * Runs a scheduled invocation of a function once, under its normal limits, through the same pool
 * path as an HTTP request: the seam the cron scheduler and the trigger endpoint call.
 */
export async function runScheduled(
  registry: Registry,
  name: string,
  inv: ScheduledInvocation,
  logger: Logger,
): Promise<GuestResponse> {
  const slot = registry.byName(name)
  if (!slot) throw new FnhostError('FUNCTION_NOT_FOUND', `no function named ${name}`)
  const log = invocationLog(logger, { fn: name, requestId: inv.requestId, trigger: 'cron' })
  return slot.run(registry.loader, (f) =>
    f.invoke(inv, {
      deadline: Date.now() + f.spec.config.timeoutMs,
      signal: neverAborted,
      log,
    }),
  )
}

/** A tick as the invocation of one function, mounted on its route. */
export async function invokeScheduled(
  registry: Registry,
  name: string,
  tick: Tick,
  logger: Logger,
  requestId: string = randomUUID(),
): Promise<GuestResponse> {
  const route = registry.byName(name)?.routes[0] ?? '/'
  return runScheduled(registry, name, { type: 'scheduled', ...tick, route, requestId }, logger)
}

/** The scheduler's way to run a tick: the outcome it records (status, or the error's code). */
export function scheduledRunner(registry: Registry, logger: Logger): RunScheduled {
  return async (name, inv): Promise<RunOutcome> => {
    try {
      const res = await runScheduled(registry, name, inv, logger)
      // The answer of a scheduled run goes nowhere: read it so a streamed body ends.
      await guestBodyBytes(res)
      return { status: res.status }
    } catch (e) {
      return { error: toFnhostError(e).code }
    }
  }
}
