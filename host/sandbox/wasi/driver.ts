import { kvGrantsFor } from '../../kv/grants.js'
import type { FunctionSpec } from '../../types.js'
import type { LoadedFunction, LoadOptions, SandboxDriver } from '../types.js'
import { compileChecked, inspectModule } from '../wasm/compile.js'
import { pagesFor } from '../wasm/limits.js'
import { planMemory } from '../wasm/memory-plan.js'
import { exportNames, hasWasmHeader } from '../wasm/module.js'
import { rewrite } from '../wasm/rewrite.js'
import { checkWagiModule } from './check.js'
import { WagiFunction } from './wagi-function.js'

/** 4 GiB, the most a 32-bit memory can be: inspect has no config, so only the cap-free rules apply. */
const ANY_CAP_PAGES = 65_536

/**
 * WAGI/CGI commands (wasm32-wasi, exporting `_start`). Claims every wasm module that is not an
 * fnmicro one, so a module that is neither gets this driver's precise reason at inspect.
 */
export const wasiDriver: SandboxDriver = {
  kind: 'wasi',

  detect(_file: string, bytes: Uint8Array): boolean {
    return hasWasmHeader(bytes) && !exportNames(bytes).has('fnm_handle')
  },

  inspect: (file, bytes) =>
    inspectModule(file, bytes, (info) => {
      checkWagiModule(info)
      planMemory(info, ANY_CAP_PAGES)
    }),

  async load(spec: FunctionSpec, opts: LoadOptions = {}): Promise<LoadedFunction> {
    const { module, plan } = await compileChecked(spec, (info) => {
      checkWagiModule(info)
      const plan = planMemory(info, pagesFor(spec.config.memoryMb))
      const importMemory = plan.rewrite
        ? { module: plan.module, name: plan.name, min: plan.initialPages, max: plan.maximumPages }
        : undefined
      return { plan, bytes: rewrite(info, { importMemory, growProbe: true }) }
    })
    return new WagiFunction(spec, module, plan, await kvGrantsFor(spec), opts.gate)
  },
}
