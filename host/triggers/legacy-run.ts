import { toFnhostError } from '../errors.js'
import { scheduledAsHttp, type ScheduledInvocation } from '../invocation.js'
import { invocationLog, type Logger } from '../observe/log.js'
import type { Registry } from '../registry/registry.js'
import type { RunOutcome, RunScheduled } from './scheduler.js'

/**
 * Runs a scheduled invocation through today's Request-based `LoadedFunction.invoke`: every
 * convention gets the POST form (JSON payload as body, `x-fnhost-trigger: cron`), so a fetch-style
 * `scheduled()` handler is not called yet. This file is the only bridge; it goes away when the
 * drivers take an `Invocation` and the registry runs a ScheduledInvocation directly.
 */
export function legacyRunner(registry: Registry, logger: Logger): RunScheduled {
  return async (name: string, inv: ScheduledInvocation): Promise<RunOutcome> => {
    const slot = registry.list().find((s) => s.name === name)
    if (!slot) return { error: 'FUNCTION_NOT_FOUND' }
    const http = scheduledAsHttp(inv)
    const req = new Request(http.url, {
      method: http.method,
      headers: http.headers.filter(([k]) => k !== 'content-length'),
      body: http.body && new Uint8Array(http.body),
    })
    try {
      const res = await slot.run(registry.loader, (f) =>
        f.invoke(req, {
          deadline: Date.now() + f.spec.config.timeoutMs,
          signal: new AbortController().signal,
          requestId: inv.requestId,
          params: {},
          log: invocationLog(logger, { fn: name, requestId: inv.requestId }),
        }),
      )
      // The answer of a scheduled run is not sent anywhere: drain it so the guest's stream ends.
      await res.body?.cancel()
      return { status: res.status }
    } catch (e) {
      return { error: toFnhostError(e).code }
    }
  }
}
