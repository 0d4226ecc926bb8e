import type { FunctionConfig } from '../../host/config.js'
import { createLogger, invocationLog, type LogLine } from '../../host/observe/log.js'
import type { TestInvokeOptions } from '../helpers/invoke.js'
import type { FunctionSpec, SandboxKind } from '../../host/types.js'
import { specFor } from '../helpers/spec.js'
import { PLAIN_JS } from './js-driver.js'

/** Pool options for tests of the pool itself: plain JS functions (js-driver.ts), no warm-up. */
export const jsPoolOptions = {
  drivers: { modules: [new URL('./js-driver.ts', import.meta.url).href] },
  warmup: false,
}

/** A spec for `source`, as the registry would build it. */
export function specOf(
  name: string,
  source: string,
  config: FunctionConfig = {},
  kind: SandboxKind = PLAIN_JS,
): FunctionSpec {
  return specFor(`/fns/${name}.js`, { name, source, config, kind })
}

export interface TestInvoke {
  opts: TestInvokeOptions
  lines: LogLine[]
}

/** Invoke options with a deadline `timeoutMs` from now and a log collected in `lines`. */
export function invokeOptions(
  timeoutMs: number,
  extra: Partial<TestInvokeOptions> = {},
): TestInvoke {
  const lines: LogLine[] = []
  const requestId = crypto.randomUUID()
  const log = invocationLog(
    createLogger((l) => lines.push(l)),
    { requestId },
  )
  const opts: TestInvokeOptions = {
    deadline: Date.now() + timeoutMs,
    signal: new AbortController().signal,
    requestId,
    params: {},
    log,
    ...extra,
  }
  return { opts, lines }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(
  p: Promise<unknown>,
): Promise<{ code?: string; retryAfterS?: number; message: string }> {
  try {
    await p
  } catch (e) {
    return e as { code?: string; retryAfterS?: number; message: string }
  }
  throw new Error('expected a rejection')
}
