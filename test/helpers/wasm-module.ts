import { encodeName as name, leb } from '../../host/sandbox/wasm/reader.js'

/** Hand-assembled wasm modules for load-time refusal tests: each is the smallest module showing one trait. */

function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body]
}

function vector(items: number[][]): number[] {
  return [...leb(items.length), ...items.flat()]
}

export interface ModuleParts {
  /** Raw memory type entries (flags, min[, max]) for the memory section. */
  memories?: number[][]
  /** Raw import entries: use `funcImport` / `memoryImport`. */
  imports?: number[][]
  /** Extra function types beyond type 0 `() -> ()`. */
  types?: number[][]
  /** Function bodies (instructions without the final `end`). */
  bodies?: number[][]
  /** The type index of each body (default 0). */
  bodyTypes?: number[]
  exports?: number[][]
  /** Raw table entries (reftype, flags, min[, max]). */
  tables?: number[][]
  /** Raw global entries (valtype, mutability, init expression with its `end`). */
  globals?: number[][]
  /** Raw element segments. */
  elements?: number[][]
}

export const I32 = 0x7f

export function funcType(params: number[], results: number[]): number[] {
  return [0x60, ...leb(params.length), ...params, ...leb(results.length), ...results]
}

export function funcImport(module: string, field: string, type: number): number[] {
  return [...name(module), ...name(field), 0x00, ...leb(type)]
}

export function memoryImport(module: string, field: string, limits: number[]): number[] {
  return [...name(module), ...name(field), 0x02, ...limits]
}

export function funcExport(field: string, index: number): number[] {
  return [...name(field), 0x00, ...leb(index)]
}

export function memoryExport(field: string): number[] {
  return [...name(field), 0x02, 0x00]
}

/** Appends without spreading arguments: a section may hold more bytes than a call takes. */
function append(out: number[], bytes: number[]): void {
  for (const b of bytes) out.push(b)
}

/** A module with the given parts; type 0 is `() -> ()`. */
export function module(parts: ModuleParts): Uint8Array {
  const bodies = parts.bodies ?? []
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
  append(out, section(1, vector([funcType([], []), ...(parts.types ?? [])])))
  if (parts.imports) append(out, section(2, vector(parts.imports)))
  if (bodies.length)
    append(out, section(3, vector(bodies.map((_, i) => leb(parts.bodyTypes?.[i] ?? 0)))))
  if (parts.tables) append(out, section(4, vector(parts.tables)))
  if (parts.memories) append(out, section(5, vector(parts.memories)))
  if (parts.globals) append(out, section(6, vector(parts.globals)))
  if (parts.exports) append(out, section(7, vector(parts.exports)))
  if (parts.elements) append(out, section(9, vector(parts.elements)))
  if (bodies.length)
    append(out, section(10, vector(bodies.map((b) => [...leb(b.length + 2), 0x00, ...b, 0x0b]))))
  return new Uint8Array(out)
}

/** A WAGI-shaped module: memory `limits` (none when null), `imports` (functions first), an empty `_start`. */
export function wagiModule(
  limits: number[] | null = [0x00, 0x01],
  imports: number[][] = [],
  importedFuncs = imports.length,
): Uint8Array {
  return module({
    memories: limits ? [limits] : undefined,
    imports: imports.length ? imports : undefined,
    bodies: [[]],
    exports: [funcExport('_start', importedFuncs)],
  })
}

function concat(parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/**
 * `count` empty functions, built directly as bytes: a million of them is about 4 MB, small enough
 * to hand to the driver, large enough that compiling it would take V8 seconds.
 */
export function manyFunctions(count: number): Uint8Array {
  const n = leb(count)
  const bodies = new Uint8Array(count * 3)
  for (let i = 0; i < count; i++) bodies.set([0x02, 0x00, 0x0b], i * 3)
  return concat([
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    section(1, vector([funcType([], [])])),
    [3, ...leb(n.length + count), ...n],
    new Uint8Array(count),
    section(5, vector([[0x00, 0x01]])),
    section(7, vector([funcExport('_start', 0)])),
    [10, ...leb(n.length + bodies.length), ...n],
    bodies,
  ])
}
