import { PAGE_BYTES } from './limits.js'
import type { ModuleInfo } from './module.js'
import { WasmFormatError } from './reader.js'

/** How the host supplies a module's one memory: always an import, so it can come from the pool. */
export interface MemoryPlan {
  /** Where the module imports it from; a defined memory is rewritten into `fnhost.memory`. */
  module: string
  name: string
  /** The module's own memory had to be rewritten into an import. */
  rewrite: boolean
  initialPages: number
  maximumPages: number
}

const mib = (pages: number) => `${Math.round(((pages * PAGE_BYTES) / 1048576) * 100) / 100} MiB`

/**
 * Refuses what the host cannot give a capped, private memory to: shared memory, memory64, more
 * than one memory, or an initial size above the cap. The maximum is lowered to the cap.
 */
export function planMemory(info: ModuleInfo, capPages: number): MemoryPlan {
  const imported = info.imports.filter((i) => i.kind === 'memory')
  const count = imported.length + info.memories.length
  if (count === 0) throw new WasmFormatError('module declares no memory')
  if (count > 1) throw new WasmFormatError(`module declares ${count} memories; one is supported`)
  const memory = imported[0]?.memory ?? info.memories[0]
  if (!memory) throw new WasmFormatError('module declares no memory')
  if (memory.shared)
    throw new WasmFormatError(
      'module declares a shared memory (threads); fnhost runs unshared memory only',
    )
  if (memory.memory64)
    throw new WasmFormatError(
      'module declares a 64-bit memory (memory64); only 32-bit memory is supported',
    )
  if (memory.min > capPages)
    throw new WasmFormatError(
      `module's initial memory is ${mib(memory.min)} (${memory.min} pages), above the function's memory cap of ${mib(capPages)}; raise memoryMb or link with a smaller initial memory`,
    )
  const maximumPages = Math.min(memory.max ?? capPages, capPages)
  const source = imported[0]
  return source
    ? {
        module: source.module,
        name: source.name,
        rewrite: false,
        initialPages: memory.min,
        maximumPages,
      }
    : { module: 'fnhost', name: 'memory', rewrite: true, initialPages: memory.min, maximumPages }
}
