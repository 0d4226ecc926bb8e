import { microDriver } from '../../../host/sandbox/micro/driver.js'
import type { FunctionLoader } from '../../../host/sandbox/types.js'
import { wasiDriver } from '../../../host/sandbox/wasi/driver.js'

/** The pool's worker loader for these tests: the wasm drivers alone, without the QuickJS runtime. */
export const loadInProcess: FunctionLoader = (spec) =>
  (spec.kind === 'micro' ? microDriver : wasiDriver).load(spec)
