import type { InvocationLog, LogLevel } from '../../../host/observe/invocation-log.js'
import type { LoadedFunction } from '../../../host/sandbox/types.js'
import {
  createQuickjsDriver,
  type QuickjsDriverOptions,
} from '../../../host/sandbox/quickjs/driver.js'
import { specFor } from '../../helpers/spec.js'
import { invokeHttp, type TestInvokeOptions } from '../../helpers/invoke.js'

export interface CollectedLog extends InvocationLog {
  lines: { level: LogLevel; message: string }[]
  text(): string
}

/** An InvocationLog that keeps what it gets, capped like the real one. */
export function collectingLog(capBytes = 128 * 1024): CollectedLog {
  let used = 0
  const lines: { level: LogLevel; message: string }[] = []
  return {
    lines,
    get full() {
      return used >= capBytes
    },
    write(level, message) {
      if (used >= capBytes) return
      const kept = message.slice(0, capBytes - used)
      used += kept.length
      lines.push({ level, message: kept })
    },
    text: () => lines.map((l) => l.message).join('\n'),
  }
}

export function invokeOptions(overrides: Partial<TestInvokeOptions> = {}): TestInvokeOptions {
  return {
    deadline: Date.now() + 5_000,
    signal: new AbortController().signal,
    requestId: 'req-1',
    params: {},
    log: collectingLog(),
    ...overrides,
  }
}

/** Functions loaded through here are disposed by `disposeAll` (call it in afterEach). */
const loaded: LoadedFunction[] = []

export async function loadJs(
  source: string,
  options: { config?: unknown; file?: string; driver?: QuickjsDriverOptions } = {},
): Promise<LoadedFunction> {
  const driver = createQuickjsDriver(options.driver)
  const fn = await driver.load(
    specFor(options.file ?? '/functions/fn.js', { source, config: options.config }),
  )
  loaded.push(fn)
  return fn
}

export async function disposeAll(): Promise<void> {
  const all = loaded.splice(0)
  for (const fn of all) await fn[Symbol.asyncDispose]()
}

export function get(path = '/fn', init?: RequestInit): Request {
  return new Request(`http://localhost${path}`, init)
}

/** Runs `body` (the inside of an async function) in a fresh fetch handler; returns its JSON result. */
export async function guest<T = unknown>(body: string, config?: unknown): Promise<T> {
  const fn = await loadJs(
    `export default { async fetch(request, env, ctx) { const result = await (async () => { ${body} })(); return Response.json(result === undefined ? null : result) } }`,
    { config },
  )
  const res = await invokeHttp(fn, get(), invokeOptions())
  return (await res.json()) as T
}
