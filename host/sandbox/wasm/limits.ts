/** Load-time bounds on a wasm module, so a hostile file is refused before V8 spends time or memory on it. */

/** Same as the registry's file limit: modules bigger than this are refused before parsing. */
export const MAX_MODULE_BYTES = 64 * 1024 * 1024

/** V8 accepts up to 1,000,000; compiling that many takes seconds and hundreds of MiB. */
export const MAX_FUNCTIONS = 100_000

/** Thirteen known sections plus custom ones; a file of empty sections would otherwise cost a loop per byte pair. */
export const MAX_SECTIONS = 1_000

export const MAX_IMPORTS = 10_000
export const MAX_EXPORTS = 100_000

export const PAGE_BYTES = 65_536

export function pagesFor(memoryMb: number): number {
  return Math.floor((memoryMb * 1024 * 1024) / PAGE_BYTES)
}
