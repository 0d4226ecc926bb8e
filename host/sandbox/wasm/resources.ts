import {
  MAX_ELEMENT_ITEMS,
  MAX_ELEMENT_SEGMENTS,
  MAX_GLOBALS,
  MAX_TABLE_ENTRIES,
  MAX_TABLES,
} from './limits.js'
import { Reader, WasmFormatError } from './reader.js'

/*
 * Tables, globals and element segments live outside linear memory, in the V8 heap of the thread
 * that instantiates the module (a funcref table entry costs tens of bytes there): the memory cap
 * does not bound them, so these reads count them and refuse a module past the bounds in limits.ts.
 */

export interface TableType {
  /** funcref (0x70) or externref (0x6f). */
  elem: number
  min: number
  max?: number
}

/** What the module declares outside linear memory, imports included. */
export interface Resources {
  tables: TableType[]
  importedTables: number
  globals: number
  elementSegments: number
  elementItems: number
}

export function emptyResources(): Resources {
  return { tables: [], importedTables: 0, globals: 0, elementSegments: 0, elementItems: 0 }
}

function isRefType(t: number): boolean {
  return t === 0x70 || t === 0x6f
}

/** Table limits; 64-bit tables are refused, like 64-bit memories. */
export function tableType(r: Reader): TableType {
  const elem = r.u8()
  if (!isRefType(elem)) r.fail(`unsupported table element type 0x${elem.toString(16)}`)
  const flags = r.u8()
  if (flags > 0x01) r.fail(`unsupported table flags 0x${flags.toString(16)} (64-bit or shared)`)
  const min = r.u32()
  const max = flags & 0x01 ? r.u32() : undefined
  return { elem, min, max }
}

/** Skips a constant expression (offsets, global initializers, element items) up to its `end`. */
export function skipConstExpr(r: Reader): void {
  for (;;) {
    const op = r.u8()
    switch (op) {
      case 0x0b:
        return
      case 0x23:
      case 0xd2:
        r.u32()
        break
      case 0x6a:
      case 0x6b:
      case 0x6c:
      case 0x7c:
      case 0x7d:
      case 0x7e:
        break
      case 0xfd:
        if (r.u32() !== 12) r.fail('unsupported instruction in a constant expression')
        r.skip(16)
        break
      default:
        if (!r.constImmediate(op))
          r.fail(`unsupported instruction 0x${op.toString(16)} in a constant expression`)
    }
  }
}

function over(count: number, limit: number, what: string): void {
  if (count > limit)
    throw new WasmFormatError(
      `module declares ${count} ${what}; fnhost allows at most ${limit} (they live outside the memory cap)`,
    )
}

export function readTables(r: Reader, res: Resources): void {
  const n = r.count(3)
  over(res.tables.length + res.importedTables + n, MAX_TABLES, 'tables')
  for (let i = 0; i < n; i++) res.tables.push(tableType(r))
  const entries = res.tables.reduce((sum, t) => sum + t.min, 0)
  over(entries, MAX_TABLE_ENTRIES, 'table entries (the sum of initial table sizes)')
}

export function readGlobals(r: Reader, res: Resources): void {
  const n = r.count(3)
  over(res.globals + n, MAX_GLOBALS, 'globals')
  res.globals += n
  for (let i = 0; i < n; i++) {
    r.u8()
    r.u8()
    skipConstExpr(r)
  }
}

/** One element segment's item count; items are function indices (flags 0-3) or expressions (4-7). */
function elementSegment(r: Reader): number {
  const flags = r.u32()
  if (flags > 7) r.fail(`unsupported element segment flags ${flags}`)
  const passiveOrDeclarative = (flags & 0x01) !== 0
  const explicitTable = (flags & 0x02) !== 0
  const expressions = (flags & 0x04) !== 0
  if (!passiveOrDeclarative && explicitTable) r.u32()
  if (!passiveOrDeclarative) skipConstExpr(r)
  if (passiveOrDeclarative || explicitTable) r.u8()
  const items = r.count()
  for (let i = 0; i < items; i++) {
    if (expressions) skipConstExpr(r)
    else r.u32()
  }
  return items
}

export function readElements(r: Reader, res: Resources): void {
  const n = r.count(2)
  over(n, MAX_ELEMENT_SEGMENTS, 'element segments')
  res.elementSegments = n
  for (let i = 0; i < n; i++) {
    res.elementItems += elementSegment(r)
    over(res.elementItems, MAX_ELEMENT_ITEMS, 'element segment items')
  }
}

/** Imported tables and globals count against the same bounds as defined ones. */
export function countImport(kind: 'table' | 'global', res: Resources): void {
  if (kind === 'table') over(res.tables.length + ++res.importedTables, MAX_TABLES, 'tables')
  else over(++res.globals, MAX_GLOBALS, 'globals')
}

/**
 * The maximum each defined table gets: at most its declared maximum, and together no more than
 * MAX_TABLE_ENTRIES, so `table.grow` fails (returns -1) at the bound instead of growing the heap.
 */
export function tableMaxima(tables: TableType[]): number[] {
  const initial = tables.reduce((sum, t) => sum + t.min, 0)
  const spare = Math.floor((MAX_TABLE_ENTRIES - initial) / Math.max(1, tables.length))
  return tables.map((t) => Math.min(t.max ?? Infinity, t.min + spare))
}
