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
export function compileChecked(
  spec: FunctionSpec,
  prepare: (info: ModuleInfo) => { plan: MemoryPlan; bytes: Uint8Array<ArrayBuffer> },
): Promise<Compiled> {
  let compiling = compiled.get(spec)
  if (!compiling) {
    compiling = compile(spec, prepare)
    compiled.set(spec, compiling)
    compiling.catch(() => compiled.delete(spec))
  }
  return compiling
}

interface Compiled {
  module: WebAssembly.Module
  plan: MemoryPlan
}

/**
 * Modules compiled in this thread, by the spec they came from: a sandbox rebuilt after a stop in
 * place (its instance may have been mid-operation; the compiled module is immutable) reuses it.
 */
const compiled = new WeakMap<FunctionSpec, Promise<Compiled>>()

async function compile(
  spec: FunctionSpec,
  prepare: (info: ModuleInfo) => { plan: MemoryPlan; bytes: Uint8Array<ArrayBuffer> },
): Promise<Compiled> {
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
