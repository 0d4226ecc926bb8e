import { Reader, WasmFormatError } from '../wasm/reader.js'

const SECTION_COMPONENT = 4
const SECTION_CANON = 8
const PREAMBLE_BYTES = 8
/** Nested components deeper than this are not walked; such a component is treated as async. */
const MAX_DEPTH = 8

/** lift, lower, resource.new, resource.drop, resource.rep: the synchronous canonical ABI. */
const CANON = { lift: 0x00, lower: 0x01, resourceNew: 0x02, resourceDrop: 0x03, resourceRep: 0x04 }
/** string-encoding (3 kinds), memory, realloc, post-return. `async` and `callback` are not here. */
const SYNC_OPTS = new Set([0x00, 0x01, 0x02, 0x03, 0x04, 0x05])

function syncOpts(r: Reader): boolean {
  for (let n = r.count(); n > 0; n--) {
    const opt = r.u8()
    if (!SYNC_OPTS.has(opt)) return false
    if (opt >= 0x03) r.u32()
  }
  return true
}

function syncCanonSection(r: Reader): boolean {
  for (let n = r.count(); n > 0; n--) {
    const kind = r.u8()
    if (kind === CANON.lift || kind === CANON.lower) {
      if (r.u8() !== 0x00) return false
      r.u32()
      if (!syncOpts(r)) return false
      if (kind === CANON.lift) r.u32()
    } else if (kind >= CANON.resourceNew && kind <= CANON.resourceRep) r.u32()
    else return false
  }
  return true
}

function walk(bytes: Uint8Array, start: number, end: number, depth: number): boolean {
  if (depth > MAX_DEPTH) return false
  const r = new Reader(bytes, start + PREAMBLE_BYTES, end)
  while (!r.done) {
    const id = r.u8()
    const size = r.u32()
    const payload = r.pos
    r.skip(size)
    if (id === SECTION_CANON && !syncCanonSection(new Reader(bytes, payload, r.pos))) return false
    if (id === SECTION_COMPONENT && !walk(bytes, payload, r.pos, depth + 1)) return false
  }
  return true
}

/**
 * True when every canonical function of the component (nested ones included) is a synchronous
 * lift, lower or resource.new/drop/rep. The async builtins (task.return, context.set, waitable
 * sets, streams, futures, backpressure, subtasks, threads) keep state in jco's glue outside the
 * handle tables, which a restore does not put back: such a component gets real fresh instances.
 */
export function usesSyncCanonOnly(bytes: Uint8Array): boolean {
  try {
    return walk(bytes, 0, bytes.byteLength, 0)
  } catch (e) {
    if (e instanceof WasmFormatError) return false
    throw e
  }
}
