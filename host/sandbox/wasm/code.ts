import { findSection, SECTION, type ModuleInfo } from './module.js'
import { Reader } from './reader.js'

export const OP = {
  memoryGrow: 0x40,
  prefixMisc: 0xfc,
  prefixSimd: 0xfd,
  prefixAtomic: 0xfe,
} as const

export interface Body {
  /** Index among the defined functions (imports excluded). */
  index: number
  /** Offset of the body's size field, and the end of the body. */
  start: number
  end: number
  /** Offset of the first instruction, after the locals. */
  code: number
}

/** Called once per instruction with its opcode (and sub-opcode for prefixed ones) and byte range. */
export type Visitor = (op: number, sub: number, start: number, end: number) => void

/** The function bodies of the code section, with their locals skipped. */
export function bodies(info: ModuleInfo): Body[] {
  const section = findSection(info, SECTION.code)
  if (!section) return []
  const r = new Reader(info.bytes, section.payload, section.end)
  const out: Body[] = []
  for (let n = r.count(2), index = 0; index < n; index++) {
    const start = r.pos
    const size = r.u32()
    const end = r.pos + size
    for (let groups = r.count(2); groups > 0; groups--) {
      r.u32()
      r.u8()
    }
    out.push({ index, start, end, code: r.pos })
    r.pos = end
  }
  return out
}

function blockType(r: Reader): void {
  const b = r.bytes[r.pos] ?? r.fail('unexpected end of code')
  if (b === 0x40 || (b >= 0x7b && b <= 0x7f) || b === 0x70 || b === 0x6f) r.pos++
  else r.skipSigned(33)
}

function memarg(r: Reader): void {
  // Bit 6 of the alignment announces an explicit memory index (multi-memory).
  if (r.u32() & 0x40) r.u32()
  r.u32()
}

function misc(r: Reader, sub: number): void {
  if (sub <= 7) return
  if (sub === 8 || sub === 10 || sub === 12 || sub === 14) r.u32()
  if (sub > 17) r.fail(`unknown instruction 0xfc ${sub}`)
  r.u32()
}

function simd(r: Reader, sub: number): void {
  if (sub <= 11 || sub === 92 || sub === 93) memarg(r)
  else if (sub === 12 || sub === 13) r.skip(16)
  else if (sub >= 21 && sub <= 34) r.skip(1)
  else if (sub >= 84 && sub <= 91) {
    memarg(r)
    r.skip(1)
  }
}

function tryTable(r: Reader): void {
  blockType(r)
  for (let n = r.count(2); n > 0; n--) {
    const kind = r.u8()
    if (kind < 2) r.u32()
    r.u32()
  }
}

const NO_IMMEDIATES = new Set([0x00, 0x01, 0x05, 0x0a, 0x0b, 0x0f, 0x19, 0x1a, 0x1b, 0xd1])
const BLOCKS = new Set([0x02, 0x03, 0x04, 0x06])
// Label, function, tag, local, global, table and memory indices: one u32 each.
const ONE_INDEX = new Set([
  0x07, 0x08, 0x09, 0x0c, 0x0d, 0x10, 0x12, 0x14, 0x15, 0x18, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
  0x26, 0x3f, 0x40, 0xd2,
])

/** Decodes one prefixed instruction's sub-opcode and immediates. */
function prefixed(r: Reader, op: number): number {
  const sub = r.u32()
  if (op === OP.prefixMisc) misc(r, sub)
  else if (op === OP.prefixSimd) simd(r, sub)
  else if (sub === 0x03) r.u8()
  else memarg(r)
  return sub
}

/** Decodes one instruction's immediates; returns the sub-opcode of a prefixed instruction, else 0. */
function immediates(r: Reader, op: number): number {
  if (NO_IMMEDIATES.has(op) || (op >= 0x45 && op <= 0xc4)) return 0
  if (op >= 0x28 && op <= 0x3e) memarg(r)
  else if (BLOCKS.has(op)) blockType(r)
  else if (ONE_INDEX.has(op)) r.u32()
  else if (op >= OP.prefixMisc && op <= OP.prefixAtomic) return prefixed(r, op)
  else
    switch (op) {
      case 0x0e:
        for (let n = r.count() + 1; n > 0; n--) r.u32()
        break
      case 0x11:
      case 0x13:
        r.u32()
        r.u32()
        break
      case 0x1c:
        for (let n = r.count(); n > 0; n--) r.u8()
        break
      case 0x1f:
        tryTable(r)
        break
      default:
        if (!r.constImmediate(op)) r.fail(`unknown instruction 0x${op.toString(16)}`)
    }
  return 0
}

/** Visits every instruction of one body; unknown opcodes throw, so nothing is skipped unseen. */
export function walkBody(bytes: Uint8Array, body: Body, visit: Visitor): void {
  const r = new Reader(bytes, body.code, body.end)
  while (!r.done) {
    const start = r.pos
    const op = r.u8()
    const sub = immediates(r, op)
    visit(op, sub, start, r.pos)
  }
}
