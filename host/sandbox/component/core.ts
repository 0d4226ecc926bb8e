import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pagesFor } from '../wasm/limits.js'
import { planMemory, type MemoryPlan } from '../wasm/memory-plan.js'
import { parseModule } from '../wasm/module.js'
import { WasmFormatError } from '../wasm/reader.js'
import { rewrite } from '../wasm/rewrite.js'
import { scanState } from '../wasm/state.js'
import type { Transpiled } from './cache.js'

export interface CoreModules {
  modules: Map<string, WebAssembly.Module>
  /** The one core module that defines the component's memory, rewritten to import it capped. */
  capped?: { module: WebAssembly.Module; plan: MemoryPlan }
  /**
   * Every core module exports its mutable globals and tables (STATE_EXPORT_PREFIX), and none drops
   * a segment: an instance's state can be saved after instantiation and put back.
   */
  restorable: boolean
  /** Some core module writes a table after instantiation, so a restore puts tables back too. */
  writesTables: boolean
}

/**
 * Compiles the component's core modules once. The module that defines the memory is rewritten
 * (as the other wasm drivers do) to import it, so each instance gets a pooled memory capped at
 * `memoryMb`, with every memory.grow routed through the probe that records a refused growth.
 * Other core modules (adapters, jco's shims) import that memory, so the one cap covers them.
 * Each module also exports its mutable globals and tables, for snapshot/restore (snapshot.ts).
 */
export async function compileCores(t: Transpiled, memoryMb: number): Promise<CoreModules> {
  const parsed = await Promise.all(
    t.cores.map(async (name) => {
      const info = parseModule(await readFile(join(t.dir, name)))
      return { name, info, exportState: scanState(info) }
    }),
  )
  // Only the module that owns the memory can keep a logical size (logical-memory.ts): with
  // another module growing it or reading its size, the sizes would disagree, so the memory's
  // size stays real and such an instance is not restored.
  const othersSizeMemory = parsed.some(
    (p) => p.info.memories.length === 0 && p.exportState.usesMemorySize,
  )
  const modules = new Map<string, WebAssembly.Module>()
  let capped: CoreModules['capped']
  for (const { name, info, exportState } of parsed) {
    if (info.memories.length === 0) {
      modules.set(name, await WebAssembly.compile(rewrite(info, { exportState })))
      continue
    }
    if (capped)
      throw new WasmFormatError(
        'the component defines more than one memory; fnhost caps one memory per component',
      )
    const plan = planMemory(info, pagesFor(memoryMb))
    const importMemory = {
      module: plan.module,
      name: plan.name,
      min: plan.initialPages,
      max: plan.maximumPages,
    }
    const logicalMemory = !othersSizeMemory
    const options = { importMemory, growProbe: true, exportState, logicalMemory }
    const module = await WebAssembly.compile(rewrite(info, options))
    modules.set(name, module)
    capped = { module, plan }
  }
  const dropsSegments = parsed.some((p) => p.exportState.dropsSegments)
  return {
    modules,
    capped,
    restorable: capped !== undefined && !dropsSegments && !othersSizeMemory,
    writesTables: parsed.some((p) => p.exportState.writesTables),
  }
}
