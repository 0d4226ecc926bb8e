import { randomUUID } from 'node:crypto'
import { FnhostError } from '../errors.js'
import type { GuestResponse, ScheduledInvocation } from '../invocation.js'
import { invocationLog, type Logger } from '../observe/log.js'
import type { Registry } from '../registry/registry.js'

/** One tick of a schedule (or a manual trigger): when it was due and what it carries. */
export interface Tick {
  cron: string
  scheduledTime: number
  payload: unknown
}

const neverAborted = new AbortController().signal

/**
 * Runs a function's scheduled handler once, under its normal limits, through the same pool path
 * as an HTTP request: the seam the cron scheduler and the trigger endpoint call.
 */
export async function invokeScheduled(
  registry: Registry,
  name: string,
  tick: Tick,
  logger: Logger,
  requestId: string = randomUUID(),
): Promise<GuestResponse> {
  const slot = registry.byName(name)
  if (!slot) throw new FnhostError('FUNCTION_NOT_FOUND', `no function named ${name}`)
  const spec = slot.spec
  const inv: ScheduledInvocation = {
    type: 'scheduled',
    ...tick,
    route: slot.routes[0] ?? '/',
    requestId,
  }
  const log = invocationLog(logger, { fn: name, requestId, trigger: 'cron' })
  return slot.run(registry.loader, (f) =>
    f.invoke(inv, {
      deadline: Date.now() + (spec?.config.timeoutMs ?? 0),
      signal: neverAborted,
      log,
    }),
  )
}
