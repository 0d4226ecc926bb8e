import {
  MAX_EXPORTS,
  MAX_FUNCTIONS,
  MAX_IMPORTS,
  MAX_MODULE_BYTES,
  MAX_SECTIONS,
} from './limits.js'
import { Reader, WasmFormatError } from './reader.js'
import {
  countImport,
  emptyResources,
  readElements,
  readGlobals,
  readTables,
  tableType,
  type Resources,
} from './resources.js'

export const SECTION = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
  tag: 13,
} as const

export interface SectionRange {
  id: number
  /** Offset of the section id byte. */
  start: number
  /** Offset of the first payload byte. */
  payload: number
  end: number
}

export interface FuncType {
  params: number[]
  results: number[]
}

export interface MemoryType {
  min: number
  max?: number
  shared: boolean
  memory64: boolean
}

export type ExternKind = 'func' | 'table' | 'memory' | 'global' | 'tag'
const KINDS: ExternKind[] = ['func', 'table', 'memory', 'global', 'tag']

export type ImportDesc =
  | { kind: 'func'; type: number }
  | { kind: 'memory'; memory: MemoryType }
  | { kind: 'table' | 'global' | 'tag' }

export type Import = { module: string; name: string } & ImportDesc

export interface Export {
  name: string
  kind: ExternKind
  index: number
}

/** What the host needs to know about a module before compiling it. Bodies are not decoded here. */
export interface ModuleInfo {
  bytes: Uint8Array
  sections: SectionRange[]
  types: FuncType[]
  imports: Import[]
  /** Type index of each function the module defines (imports excluded). */
  functions: number[]
  /** Memories the module defines (imports excluded). */
  memories: MemoryType[]
  exports: Export[]
  /** Tables, globals and element segments: bounded at parse, outside the memory cap. */
  resources: Resources
}

const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]

/** True when the bytes start like a core wasm module; says nothing about the rest. */
export function hasWasmHeader(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 8 && MAGIC_AND_VERSION.every((b, i) => bytes[i] === b)
}

function valType(r: Reader): number {
  const t = r.u8()
  if ((t >= 0x7b && t <= 0x7f) || t === 0x70 || t === 0x6f) return t
  return r.fail(`unsupported value type 0x${t.toString(16)}`)
}

function funcType(r: Reader): FuncType {
  const form = r.u8()
  if (form !== 0x60) r.fail(`unsupported type form 0x${form.toString(16)} (only function types)`)
  const params = Array.from({ length: r.count() }, () => valType(r))
  const results = Array.from({ length: r.count() }, () => valType(r))
  return { params, results }
}

/** Reads limits; 64-bit limits are read as numbers, precise enough to be refused. */
function limitValue(r: Reader, wide: boolean): number {
  if (!wide) return r.u32()
  let result = 0
  for (let shift = 0; shift < 70; shift += 7) {
    const b = r.u8()
    result += (b & 0x7f) * 2 ** shift
    if ((b & 0x80) === 0) return result
  }
  return r.fail('LEB128 u64 too long')
}

function memoryType(r: Reader): MemoryType {
  const flags = r.u8()
  if (flags > 0x07) r.fail(`unsupported memory flags 0x${flags.toString(16)}`)
  const memory64 = (flags & 0x04) !== 0
  const min = limitValue(r, memory64)
  const max = flags & 0x01 ? limitValue(r, memory64) : undefined
  return { min, max, shared: (flags & 0x02) !== 0, memory64 }
}

function importEntry(r: Reader, resources: Resources): Import {
  const module = r.name()
  const name = r.name()
  const kind = KINDS[r.u8()] ?? r.fail('unknown import kind')
  switch (kind) {
    case 'func':
      return { module, name, kind, type: r.u32() }
    case 'memory':
      return { module, name, kind, memory: memoryType(r) }
    case 'table':
      tableType(r)
      countImport(kind, resources)
      return { module, name, kind }
    case 'global':
      valType(r)
      r.u8()
      countImport(kind, resources)
      return { module, name, kind }
    case 'tag':
      r.u8()
      r.u32()
      return { module, name, kind }
  }
}

function sizedCount(r: Reader, limit: number, what: string): number {
  const n = r.count()
  if (n > limit) r.fail(`${n} ${what}; the limit is ${limit}`)
  return n
}

/** Walks the section list and decodes the declarations; throws WasmFormatError with the reason. */
export function parseModule(bytes: Uint8Array): ModuleInfo {
  if (bytes.byteLength > MAX_MODULE_BYTES)
    throw new WasmFormatError(
      `module is ${bytes.byteLength} bytes; the limit is ${MAX_MODULE_BYTES}`,
    )
  if (!hasWasmHeader(bytes))
    throw new WasmFormatError('not a wasm module (no \\0asm version 1 header)')
  const info: ModuleInfo = {
    bytes,
    sections: [],
    types: [],
    imports: [],
    functions: [],
    memories: [],
    exports: [],
    resources: emptyResources(),
  }
  const r = new Reader(bytes, 8)
  while (!r.done) {
    if (info.sections.length >= MAX_SECTIONS) r.fail(`more than ${MAX_SECTIONS} sections`)
    const start = r.pos
    const id = r.u8()
    const size = r.u32()
    const payload = r.pos
    r.skip(size)
    info.sections.push({ id, start, payload, end: r.pos })
    readSection(info, new Reader(bytes, payload, r.pos), id)
  }
  return info
}

function readSection(info: ModuleInfo, r: Reader, id: number): void {
  switch (id) {
    case SECTION.type:
      for (let n = r.count(); n > 0; n--) info.types.push(funcType(r))
      break
    case SECTION.import:
      for (let n = sizedCount(r, MAX_IMPORTS, 'imports'); n > 0; n--)
        info.imports.push(importEntry(r, info.resources))
      break
    case SECTION.function:
      for (let n = sizedCount(r, MAX_FUNCTIONS, 'functions'); n > 0; n--)
        info.functions.push(r.u32())
      break
    case SECTION.memory:
      for (let n = r.count(); n > 0; n--) info.memories.push(memoryType(r))
      break
    case SECTION.table:
      readTables(r, info.resources)
      break
    case SECTION.global:
      readGlobals(r, info.resources)
      break
    case SECTION.element:
      readElements(r, info.resources)
      break
    case SECTION.export:
      for (let n = sizedCount(r, MAX_EXPORTS, 'exports'); n > 0; n--) {
        const name = r.name()
        const kind = KINDS[r.u8()] ?? r.fail('unknown export kind')
        info.exports.push({ name, kind, index: r.u32() })
      }
      break
    case SECTION.custom:
      r.name()
      return
    default:
      if (id > SECTION.tag) r.fail(`unknown section id ${id}`)
      return
  }
  if (!r.done) r.fail(`section ${id} has trailing bytes`)
}

export function findSection(info: ModuleInfo, id: number): SectionRange | undefined {
  return info.sections.find((s) => s.id === id)
}

export function findExport(info: ModuleInfo, name: string): Export | undefined {
  return info.exports.find((e) => e.name === name)
}

/** The signature of function `index` in the function index space (imports first). */
export function functionType(info: ModuleInfo, index: number): FuncType | undefined {
  const imported = info.imports.filter((i) => i.kind === 'func')
  const typeIndex =
    index < imported.length
      ? (imported[index] as { type: number }).type
      : info.functions[index - imported.length]
  return typeIndex === undefined ? undefined : info.types[typeIndex]
}

/** 'i32,i32->i32' style, for messages and signature checks. */
export function signature(type: FuncType): string {
  const name = (t: number) =>
    ({ 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref' })[t] ??
    'externref'
  return `${type.params.map(name).join(',')}->${type.results.map(name).join(',')}`
}

/** Export names only, from a quick walk of the section headers; any malformation ends the walk. */
export function exportNames(bytes: Uint8Array): Set<string> {
  const names = new Set<string>()
  if (!hasWasmHeader(bytes) || bytes.byteLength > MAX_MODULE_BYTES) return names
  try {
    const r = new Reader(bytes, 8)
    for (let n = 0; !r.done && n < MAX_SECTIONS; n++) {
      const id = r.u8()
      const size = r.u32()
      if (id !== SECTION.export) {
        r.skip(size)
        continue
      }
      const s = new Reader(bytes, r.pos, r.pos + size)
      for (let n = s.count(); n > 0; n--) {
        names.add(s.name())
        s.u8()
        s.u32()
      }
      break
    }
  } catch (e) {
    if (!(e instanceof WasmFormatError)) throw e
  }
  return names
}
