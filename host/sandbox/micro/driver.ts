import { FnhostError } from '../../errors.js'
import type { FunctionSpec } from '../../types.js'
import { guestRun } from '../guest-gate.js'
import type { LoadedFunction, LoadOptions, SandboxDriver } from '../types.js'
import { compileChecked, inspectModule } from '../wasm/compile.js'
import { planMemory } from '../wasm/memory-plan.js'
import { exportNames, hasWasmHeader } from '../wasm/module.js'
import { rewrite } from '../wasm/rewrite.js'
import { loadOnDevice } from './device/device-function.js'
import { MicroAbiError } from './instance.js'
import { MicroFunction } from './micro-function.js'
import { checkMicroModule } from './profile.js'

/** fnmicro memory is one page whatever memoryMb says: the profile forbids growth. */
const MICRO_PAGES = 1

/**
 * fnmicro modules (freestanding wasm32 exporting `fnm_handle`). A fresh instance per request
 * unless the function's config says `isolation: 'shared'`.
 */
export const microDriver: SandboxDriver = {
  kind: 'micro',

  detect(_file: string, bytes: Uint8Array): boolean {
    return hasWasmHeader(bytes) && exportNames(bytes).has('fnm_handle')
  },

  inspect: (file, bytes) => inspectModule(file, bytes, checkMicroModule),

  async load(spec: FunctionSpec, opts: LoadOptions = {}): Promise<LoadedFunction> {
    // A board in the config: the function runs on an (emulated) device, see device/.
    if (spec.config.board !== undefined) return loadOnDevice(spec)
    const { module, plan } = await compileChecked(spec, (info) => {
      checkMicroModule(info)
      const plan = planMemory(info, MICRO_PAGES)
      const importMemory = {
        module: plan.module,
        name: plan.name,
        min: plan.initialPages,
        max: MICRO_PAGES,
      }
      return {
        plan: { ...plan, maximumPages: MICRO_PAGES },
        bytes: rewrite(info, { importMemory }),
      }
    })
    const fn = new MicroFunction(spec, module, plan, spec.config.isolation === 'shared', opts.gate)
    try {
      // One probe instance at load, so a wrong ABI version or buffer layout is a load failure.
      fn.probe(
        guestRun({
          runId: opts.runId,
          deadline: opts.deadline ?? Date.now() + spec.config.timeoutMs,
        }),
      )
    } catch (e) {
      await fn[Symbol.asyncDispose]()
      const reason = e instanceof MicroAbiError ? e.message : (e as Error).message
      throw new FnhostError('FUNCTION_LOAD_FAILED', `function ${spec.name}: ${reason}`, {
        cause: e,
      })
    }
    return fn
  },
}
