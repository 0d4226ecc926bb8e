import { bodies, OP, walkBody } from './code.js'
import { MEMORY_SIZE } from './logical-memory.js'
import { findSection, SECTION, type ModuleInfo } from './module.js'
import { Reader } from './reader.js'
import { skipConstExpr } from './resources.js'

/**
 * Prefix of the exports `rewrite(..., { exportState: true })` adds, one per defined mutable global
 * (`global:N`) and table (`table:N`), so the host can save an instance's state after instantiation
 * and put it back after each request.
 */
export const STATE_EXPORT_PREFIX = 'fnhost:state:'

/** What a module keeps between calls outside its memory, and whether a restore can undo it. */
export interface StateScan {
  /** Indices (in the global index space) of the module's own mutable globals. */
  mutableGlobals: number[]
  /** Indices (in the table index space) of the module's own tables. */
  tables: number[]
  /** Some code changes a table (table.set, grow, fill, copy, init): tables need restoring too. */
  writesTables: boolean
  /** Some code drops a data or element segment: state no restore can put back. */
  dropsSegments: boolean
  /** Some code grows the memory or reads its size. */
  usesMemorySize: boolean
}

const TABLE_SET = 0x26
// 0xfc sub-opcodes: table.init, table.copy, table.grow, table.fill write a table; the drops end a
// segment for the rest of the instance's life.
const MISC_TABLE_WRITES = new Set([12, 14, 15, 17])
const MISC_DROPS = new Set([9, 13])

function mutableGlobals(info: ModuleInfo): number[] {
  const section = findSection(info, SECTION.global)
  if (!section) return []
  const first = info.imports.filter((i) => i.kind === 'global').length
  const r = new Reader(info.bytes, section.payload, section.end)
  const out: number[] = []
  for (let n = r.count(), i = 0; i < n; i++) {
    r.u8()
    if (r.u8() === 1) out.push(first + i)
    skipConstExpr(r)
  }
  return out
}

export function scanState(info: ModuleInfo): StateScan {
  let writesTables = false
  let dropsSegments = false
  let usesMemorySize = false
  for (const body of bodies(info)) {
    walkBody(info.bytes, body, (op, sub) => {
      if (op === OP.memoryGrow || op === MEMORY_SIZE) usesMemorySize = true
      if (op === TABLE_SET || (op === OP.prefixMisc && MISC_TABLE_WRITES.has(sub)))
        writesTables = true
      else if (op === OP.prefixMisc && MISC_DROPS.has(sub)) dropsSegments = true
    })
  }
  const { importedTables, tables } = info.resources
  return {
    mutableGlobals: mutableGlobals(info),
    tables: tables.map((_, i) => importedTables + i),
    writesTables,
    dropsSegments,
    usesMemorySize,
  }
}
