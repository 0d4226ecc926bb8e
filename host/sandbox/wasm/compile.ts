import { FnhostError } from '../../errors.js'
import type { FunctionSpec } from '../../types.js'
import type { InspectResult } from '../types.js'
import type { MemoryPlan } from './memory-plan.js'
import { parseModule, type ModuleInfo } from './module.js'
import { WasmFormatError } from './reader.js'

/** A refused module as FUNCTION_LOAD_FAILED, naming the file and the reason. */
export function loadFailure(what: string, e: unknown): FnhostError {
  if (e instanceof FnhostError) return e
  if (e instanceof WasmFormatError || e instanceof WebAssembly.CompileError)
    return new FnhostError('FUNCTION_LOAD_FAILED', `${what}: ${e.message}`, { cause: e })
  return new FnhostError('FUNCTION_LOAD_FAILED', `${what}: ${(e as Error).message ?? String(e)}`, {
    cause: e,
  })
}

/**
 * Parses the module, lets the driver check it and rewrite it, then compiles the result once; every
 * refusal is a FUNCTION_LOAD_FAILED naming the function.
 */
export async function compileChecked(
  spec: FunctionSpec,
  prepare: (info: ModuleInfo) => { plan: MemoryPlan; bytes: Uint8Array<ArrayBuffer> },
): Promise<{ module: WebAssembly.Module; plan: MemoryPlan }> {
  try {
    const { plan, bytes } = prepare(parseModule(spec.source))
    return { module: await WebAssembly.compile(bytes), plan }
  } catch (e) {
    throw loadFailure(`function ${spec.name}`, e)
  }
}

/**
 * Scan-time check shared by the wasm drivers: parse, let the driver check the module's shape,
 * then validate it (validate() gives no reason, so an invalid module is compiled for one).
 */
export async function inspectModule(
  file: string,
  bytes: Uint8Array,
  check: (info: ModuleInfo) => void,
): Promise<InspectResult> {
  try {
    check(parseModule(bytes))
    const source = bytes as Uint8Array<ArrayBuffer>
    if (!WebAssembly.validate(source)) await WebAssembly.compile(source)
  } catch (e) {
    throw loadFailure(file, e)
  }
  return {}
}
