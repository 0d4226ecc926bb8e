import { bodies, OP, walkBody, type Body } from './code.js'
import { concatBytes } from '../../bytes.js'
import { findSection, SECTION, type ModuleInfo } from './module.js'
import { encodeName, leb, Reader } from './reader.js'
import { tableMaxima } from './resources.js'
import { STATE_EXPORT_PREFIX, type StateScan } from './state.js'
import { logicalGrowBody, MEMORY_SIZE, pagesGlobal, sizeRead } from './logical-memory.js'

/** Exported mutable i32 global the grow probe sets to 1 when a memory.grow fails (the cap is reached). */
export const GROW_FAILED_EXPORT = 'fnhost:grow_failed'

export interface RewriteOptions {
  /** Turn the module's own memory into this import, so the host hands in a pooled, capped memory. */
  importMemory?: { module: string; name: string; min: number; max: number }
  /** Route every memory.grow through an appended function that records failure in GROW_FAILED_EXPORT. */
  growProbe?: boolean
  /** Export every defined mutable global and table (see STATE_EXPORT_PREFIX), from this scan. */
  exportState?: StateScan
  /**
   * With growProbe and importMemory: memory.size and memory.grow work on a logical size kept in a
   * global (logical-memory.ts), so a restore can shrink what the guest sees.
   */
  logicalMemory?: boolean
}

/** The exported global holding the logical memory size (with `logicalMemory`). */
export const PAGES_EXPORT = `${STATE_EXPORT_PREFIX}pages`

// Sections in the order the binary format requires; the tag section sits between memory and global.
const ORDER = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11]
const rank = (id: number) => ORDER.indexOf(id)

type Chunk = Uint8Array | number[]

function section(id: number, parts: Chunk[]): Chunk[] {
  const size = parts.reduce((n, p) => n + p.length, 0)
  return [[id, ...leb(size)], ...parts]
}

/** A vector section with `extra` entries appended after the original ones. */
function appendVector(info: ModuleInfo, id: number, extra: number[][]): Chunk[] {
  const existing = findSection(info, id)
  let count = 0
  let entries: Chunk = []
  if (existing) {
    const r = new Reader(info.bytes, existing.payload, existing.end)
    count = r.u32()
    entries = info.bytes.subarray(r.pos, existing.end)
  }
  return section(id, [leb(count + extra.length), entries, ...extra])
}

function vectorCount(info: ModuleInfo, id: number): number {
  const s = findSection(info, id)
  return s ? new Reader(info.bytes, s.payload, s.end).u32() : 0
}

/** Byte ranges of the instructions to replace, by body index, with what replaces each. */
type Sites = Map<number, Array<[number, number, number[]]>>

function sitesOf(info: ModuleInfo, all: Body[], replace: Map<number, number[]>): Sites {
  const sites: Sites = new Map()
  for (const body of all) {
    walkBody(info.bytes, body, (op, _sub, start, end) => {
      const by = replace.get(op)
      if (!by) return
      const list = sites.get(body.index) ?? []
      list.push([start, end, by])
      sites.set(body.index, list)
    })
  }
  return sites
}

function codeSection(info: ModuleInfo, all: Body[], sites: Sites) {
  const parts: Chunk[] = []
  for (const body of all) {
    const list = sites.get(body.index)
    if (!list) {
      parts.push(info.bytes.subarray(body.start, body.end))
      continue
    }
    const pieces: Chunk[] = []
    let from = skipSize(info.bytes, body.start)
    for (const [start, end, by] of list) {
      pieces.push(info.bytes.subarray(from, start), by)
      from = end
    }
    pieces.push(info.bytes.subarray(from, body.end))
    parts.push(leb(pieces.reduce((n, p) => n + p.length, 0)), ...pieces)
  }
  return { parts, count: all.length }
}

function skipSize(bytes: Uint8Array, at: number): number {
  const r = new Reader(bytes, at)
  r.u32()
  return r.pos
}

/**
 * The body of the probe: `grow(delta) -> old size or -1`, setting the failure global on -1. Appended
 * (never inserted) so every existing function, type and global index stays valid.
 */
function probeBody(global: number): number[] {
  const code = [
    [0x01, 0x01, 0x7f],
    [0x20, 0x00, OP.memoryGrow, 0x00, 0x22, 0x01],
    [0x41, 0x7f, 0x46, 0x04, 0x40, 0x41, 0x01, 0x24, ...leb(global), 0x0b],
    [0x20, 0x01, 0x0b],
  ].flat()
  return [...leb(code.length), ...code]
}

/** The table section with every table's maximum set, so table.grow stops at the host's bound. */
function boundedTables(info: ModuleInfo): Chunk[] | undefined {
  const { tables } = info.resources
  if (tables.length === 0) return undefined
  const maxima = tableMaxima(tables)
  const entries = tables.map((t, i) => [t.elem, 0x01, ...leb(t.min), ...leb(maxima[i] as number)])
  return section(SECTION.table, [leb(tables.length), ...entries])
}

function stateExports(scan: StateScan): number[][] {
  const entry = (kind: string, code: number, index: number) => [
    ...encodeName(`${STATE_EXPORT_PREFIX}${kind}:${index}`),
    code,
    ...leb(index),
  ]
  return [
    ...scan.mutableGlobals.map((i) => entry('global', 0x03, i)),
    ...scan.tables.map((i) => entry('table', 0x01, i)),
  ]
}

/**
 * Returns new module bytes with the requested changes (and every table's maximum bounded); the
 * input is left untouched.
 */
export function rewrite(info: ModuleInfo, options: RewriteOptions): Uint8Array<ArrayBuffer> {
  const replaced = new Map<number, Chunk[]>()
  const tables = boundedTables(info)
  if (tables) replaced.set(SECTION.table, tables)
  const { importMemory } = options
  if (importMemory && info.memories.length > 0) {
    const { module, name, min, max } = importMemory
    const entry = [...encodeName(module), ...encodeName(name), 0x02, 0x01, ...leb(min), ...leb(max)]
    replaced.set(SECTION.import, appendVector(info, SECTION.import, [entry]))
    replaced.set(SECTION.memory, [])
  }
  const exports = options.exportState ? stateExports(options.exportState) : []
  const all = options.growProbe ? bodies(info) : []
  const importedFuncs = info.imports.filter((i) => i.kind === 'func').length
  const importedGlobals = info.imports.filter((i) => i.kind === 'global').length
  const probe = importedFuncs + info.functions.length
  const flag = importedGlobals + vectorCount(info, SECTION.global)
  const logical =
    options.logicalMemory && importMemory ? { pages: flag + 1, ...importMemory } : undefined
  const replace = new Map<number, number[]>([[OP.memoryGrow, [0x10, ...leb(probe)]]])
  if (logical) replace.set(MEMORY_SIZE, sizeRead(logical.pages))
  const sites = sitesOf(info, all, replace)
  if (sites.size > 0) {
    const globals = [[0x7f, 1, 0x41, 0, 0x0b]]
    exports.push([...encodeName(GROW_FAILED_EXPORT), 0x03, ...leb(flag)])
    if (logical) {
      globals.push(pagesGlobal(logical.min))
      exports.push([...encodeName(PAGES_EXPORT), 0x03, ...leb(logical.pages)])
    }
    replaced.set(SECTION.type, appendVector(info, SECTION.type, [[0x60, 1, 0x7f, 1, 0x7f]]))
    replaced.set(SECTION.function, appendVector(info, SECTION.function, [leb(info.types.length)]))
    replaced.set(SECTION.global, appendVector(info, SECTION.global, globals))
    const code = codeSection(info, all, sites)
    const body = logical ? logicalGrowBody(flag, logical.pages, logical.max) : probeBody(flag)
    replaced.set(SECTION.code, section(SECTION.code, [leb(code.count + 1), ...code.parts, body]))
  }
  if (exports.length > 0) replaced.set(SECTION.export, appendVector(info, SECTION.export, exports))
  return assemble(info, replaced)
}

function assemble(info: ModuleInfo, replaced: Map<number, Chunk[]>): Uint8Array<ArrayBuffer> {
  const out: Chunk[] = [info.bytes.subarray(0, 8)]
  const pending = new Map(replaced)
  const flushBefore = (limit: number) => {
    for (const [pid, parts] of [...pending].sort((a, b) => rank(a[0]) - rank(b[0]))) {
      if (rank(pid) >= limit) continue
      out.push(...parts)
      pending.delete(pid)
    }
  }
  for (const s of info.sections) {
    if (s.id !== SECTION.custom) flushBefore(rank(s.id))
    const parts = pending.get(s.id)
    if (parts) {
      out.push(...parts)
      pending.delete(s.id)
    } else if (!replaced.has(s.id)) out.push(info.bytes.subarray(s.start, s.end))
  }
  flushBefore(ORDER.length)
  return concatBytes(out)
}
