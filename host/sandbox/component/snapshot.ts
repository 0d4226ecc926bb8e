import { GROW_FAILED_EXPORT, PAGES_EXPORT } from '../wasm/rewrite.js'
import { STATE_EXPORT_PREFIX } from '../wasm/state.js'

/** jco's handle table for one resource type: scope/rep pairs after a free-list head. */
type HandleTable = number[] & { _createdReps?: Set<number> }

/** The glue's resource tables, handed out by the patched generated module (patch.ts). */
export interface Glue {
  /** Set by the host: synchronous import calls skip jco's task bookkeeping (patch.ts). */
  leanSync?: boolean
  handleTables?: HandleTable[]
  captureTables?: Map<number, unknown>[]
}

/** What one instantiation left for a snapshot: its memory, core instances and JS-made globals. */
export interface InstanceParts {
  memory: WebAssembly.Memory
  instances: WebAssembly.Instance[]
  /** Globals the glue created and handed to core instances (jco's instance flags). */
  importedGlobals: WebAssembly.Global[]
  glue: Glue
}

const TABLE_PREFIX = `${STATE_EXPORT_PREFIX}table:`

/**
 * A memory that grew past this (or past twice its size at instantiation, when that is more) is
 * not kept: each restore zeroes everything past the snapshot's last non-zero byte, up to the
 * memory's high-water mark.
 */
const RETAINED_BYTES = 8 * 1024 * 1024

function isMutable(global: WebAssembly.Global): boolean {
  try {
    global.value = global.value as unknown
    return true
  } catch {
    return false
  }
}

/**
 * The state of an instance right after instantiation, before any request: linear memory, every
 * mutable global (the core modules export theirs, see wasm/state.ts), tables when some module
 * writes one, and the glue's handle and capture tables. `restore` puts all of it back, so the
 * next request sees what a new instance would, without paying for jco's instantiation again.
 */
export class Snapshot {
  private readonly bytes: Uint8Array
  /** Bytes past this offset are zero in the snapshot: restored with a fill, not a copy. */
  private readonly used: number
  private readonly globals: Array<[WebAssembly.Global, unknown]> = []
  private readonly tables: Array<[WebAssembly.Table, unknown[]]> = []
  private readonly handles: Array<[HandleTable, number[], Set<number>]> = []
  private readonly captures: Array<[Map<number, unknown>, Array<[number, unknown]>]> = []
  /** The guest sees a logical memory size (wasm/logical-memory.ts): the memory may have grown. */
  private readonly logical: boolean

  constructor(
    private readonly parts: InstanceParts,
    restoreTables: boolean,
  ) {
    this.bytes = new Uint8Array(parts.memory.buffer).slice()
    let used = this.bytes.length
    while (used > 0 && this.bytes[used - 1] === 0) used--
    this.used = used
    this.logical = parts.instances.some(
      (i) => i.exports[PAGES_EXPORT] instanceof WebAssembly.Global,
    )
    const globals = new Set(parts.importedGlobals.filter(isMutable))
    for (const instance of parts.instances) {
      for (const [name, value] of Object.entries(instance.exports)) {
        if (value instanceof WebAssembly.Global) {
          if (name.startsWith(STATE_EXPORT_PREFIX) || name === GROW_FAILED_EXPORT)
            globals.add(value)
        } else if (
          restoreTables &&
          value instanceof WebAssembly.Table &&
          name.startsWith(TABLE_PREFIX)
        )
          this.tables.push([value, Array.from({ length: value.length }, (_, i) => value.get(i))])
      }
    }
    for (const global of globals) this.globals.push([global, global.value])
    parts.glue.handleTables?.forEach((t) => this.handles.push([t, [...t], new Set(t._createdReps)]))
    parts.glue.captureTables?.forEach((m) => this.captures.push([m, [...m]]))
  }

  /**
   * Puts the instance back as it was after instantiation. False when that cannot be done (a table
   * grew, or the memory grew without a logical size or past RETAINED_BYTES; neither shrinks):
   * the caller drops the instance.
   */
  restore(): boolean {
    const buffer = this.parts.memory.buffer
    const size = buffer.byteLength
    const retained = Math.max(RETAINED_BYTES, 2 * this.bytes.length)
    if (size !== this.bytes.length && (!this.logical || size > retained)) return false
    for (const [table, entries] of this.tables) if (table.length !== entries.length) return false
    const memory = new Uint8Array(buffer)
    memory.set(this.bytes.subarray(0, this.used))
    memory.fill(0, this.used)
    for (const [global, value] of this.globals) global.value = value
    for (const [table, entries] of this.tables) entries.forEach((e, i) => table.set(i, e))
    for (const [table, entries, reps] of this.handles) {
      table.length = 0
      table.push(...entries)
      table._createdReps = new Set(reps)
    }
    for (const [map, entries] of this.captures) {
      map.clear()
      for (const [rep, value] of entries) map.set(rep, value)
    }
    return true
  }
}
