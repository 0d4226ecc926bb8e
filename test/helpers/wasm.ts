import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { resolveConfig, type FunctionConfig } from '../../host/config.js'
import type { LogCap } from '../../host/observe/invocation-log.js'
import { createLogger, invocationLog, type LogLine } from '../../host/observe/log.js'
import { packageRoot } from '../../host/paths.js'
import { microDriver } from '../../host/sandbox/micro/driver.js'
import type { LoadedFunction, SandboxDriver } from '../../host/sandbox/types.js'
import type { TestInvokeOptions } from './invoke.js'
import { wasiDriver } from '../../host/sandbox/wasi/driver.js'
import type { FunctionSpec } from '../../host/types.js'

/** A committed build artifact: `wasm('fixtures/trap')` reads wasm/fixtures/trap.wasm. */
export function wasm(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(join(packageRoot, 'wasm', `${rel}.wasm`)))
}

/** The wasm drivers in the order host/sandbox/index.ts tries them. */
export const wasmDrivers: SandboxDriver[] = [microDriver, wasiDriver]

export function driverFor(bytes: Uint8Array): SandboxDriver | undefined {
  return wasmDrivers.find((d) => d.detect('fn.wasm', bytes))
}

/** A spec for wasm bytes, as the registry would build it. */
export function wasmSpec(
  bytes: Uint8Array,
  config: FunctionConfig = {},
  name = 'fn',
): FunctionSpec {
  const { route, ...resolved } = resolveConfig(config, `${name}.json`)
  const kind = driverFor(bytes)?.kind ?? 'wasi'
  return {
    name,
    file: `/fns/${name}.wasm`,
    kind,
    routes: route ?? [`/${name}`],
    config: resolved,
    source: bytes,
    // Tests load each spec once: no content hash needed (hashing 100 MB inputs would dominate).
    version: `test-${bytes.byteLength}`,
  }
}

/** Loads wasm bytes with the driver that detects them. */
export async function loadWasm(
  bytes: Uint8Array,
  config: FunctionConfig = {},
  name = 'fn',
): Promise<LoadedFunction> {
  const driver = driverFor(bytes)
  if (!driver) throw new Error('no wasm driver detects these bytes')
  return driver.load(wasmSpec(bytes, config, name))
}

export interface TestInvoke {
  opts: TestInvokeOptions
  lines: LogLine[]
}

/** Invoke options with a generous deadline and the guest log collected in `lines`. */
export function invokeOptions(extra: Partial<TestInvokeOptions> = {}, logCap?: LogCap): TestInvoke {
  const lines: LogLine[] = []
  const requestId = 'req-' + Math.random().toString(36).slice(2, 10)
  const log = invocationLog(
    createLogger((l) => lines.push(l)),
    { requestId },
    logCap,
  )
  const opts: TestInvokeOptions = {
    deadline: Date.now() + 30_000,
    signal: new AbortController().signal,
    requestId,
    params: {},
    log,
    ...extra,
  }
  return { opts, lines }
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(
  p: Promise<unknown>,
): Promise<{ code?: string; message: string; guestStack?: string }> {
  try {
    await p
  } catch (e) {
    return e as { code?: string; message: string; guestStack?: string }
  }
  throw new Error('expected a rejection')
}
