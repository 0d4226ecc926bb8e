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
  const modules = new Map<string, WebAssembly.Module>()
  let capped: CoreModules['capped']
  let restorable = true
  let writesTables = false
  for (const name of t.cores) {
    const info = parseModule(await readFile(join(t.dir, name)))
    const exportState = scanState(info)
    // Only the module that owns the memory keeps its logical size (logical-memory.ts): another
    // that grows it or reads its size would see the high-water mark.
    restorable &&=
      !exportState.dropsSegments && (info.memories.length > 0 || !exportState.usesMemorySize)
    writesTables ||= exportState.writesTables
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
    const module = await WebAssembly.compile(
      rewrite(info, { importMemory, growProbe: true, exportState, logicalMemory: true }),
    )
    modules.set(name, module)
    capped = { module, plan }
  }
  return { modules, capped, restorable: restorable && capped !== undefined, writesTables }
}
