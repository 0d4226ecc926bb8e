import type { FunctionSpec, SandboxKind } from '../types.js'
import { microDriver } from './micro/driver.js'
import { quickjsDriver } from './quickjs/driver.js'
import type { LoadedFunction, SandboxDriver } from './types.js'
import { wasiDriver } from './wasi/driver.js'

/** The one place that knows every guest kind. Order matters: the first driver that detects a file runs it. */
export const drivers: Record<SandboxKind, SandboxDriver> = {
  micro: microDriver,
  wasi: wasiDriver,
  quickjs: quickjsDriver,
}

export class UnsupportedFileError extends Error {
  override readonly name = 'UnsupportedFileError'
}

export function detectDriver(file: string, bytes: Uint8Array): SandboxDriver {
  for (const driver of Object.values(drivers)) if (driver.detect(file, bytes)) return driver
  if (file.endsWith('.wasm'))
    throw new UnsupportedFileError(
      'not a runnable wasm module: expected a WAGI command (wasm32-wasi, exports _start) or an fnmicro module (exports fnm_handle)',
    )
  throw new UnsupportedFileError(`no sandbox runs ${file}`)
}

/** Loads a function on this thread; the worker pool calls this inside its workers. */
export function loadInProcess(spec: FunctionSpec): Promise<LoadedFunction> {
  return drivers[spec.kind].load(spec)
}
