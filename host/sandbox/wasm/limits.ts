/** Load-time bounds on a wasm module, so a hostile file is refused before V8 spends time or memory on it. */

/** Same as the registry's file limit: modules bigger than this are refused before parsing. */
export const MAX_MODULE_BYTES = 64 * 1024 * 1024

/** V8 accepts up to 1,000,000; compiling that many takes seconds and hundreds of MiB. */
export const MAX_FUNCTIONS = 100_000

/** Thirteen known sections plus custom ones; a file of empty sections would otherwise cost a loop per byte pair. */
export const MAX_SECTIONS = 1_000

export const MAX_IMPORTS = 10_000
export const MAX_EXPORTS = 100_000

/*
 * Resources outside linear memory (resources.ts). Compilers emit one table sized to the module's
 * address-taken functions (thousands) and tens of globals; V8 itself allows 10,000,000 table
 * entries, which at tens of bytes each would take gigabytes of the host's heap.
 */
export const MAX_TABLES = 8
/** Sum over a module's tables, initial sizes and growth alike (about 5 MB of V8 heap). */
export const MAX_TABLE_ENTRIES = 100_000
export const MAX_GLOBALS = 100_000
export const MAX_ELEMENT_SEGMENTS = 10_000
/** Passive segments are kept per instance; active ones must fit their tables anyway. */
export const MAX_ELEMENT_ITEMS = 200_000

export const PAGE_BYTES = 65_536

export function pagesFor(memoryMb: number): number {
  return Math.floor((memoryMb * 1024 * 1024) / PAGE_BYTES)
}
