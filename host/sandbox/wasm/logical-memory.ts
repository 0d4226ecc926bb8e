import { OP } from './code.js'
import { leb } from './reader.js'

/*
 * A logical memory size, apart from the physical one. A WebAssembly.Memory never shrinks, so an
 * instance whose memory grew in one request could not be put back as it was instantiated: its
 * guest would see the bigger memory.size, and an allocator that grows memory on every request
 * (wasi-libc's malloc does) would creep to the cap. With this rewrite the module's size is a
 * global: memory.size reads it, and memory.grow moves it, growing the physical memory only past
 * its high-water mark. Restoring the global (with the memory's bytes) gives the next request
 * the memory of a new instance. What differs is only that an access past the logical size but
 * within the high-water mark does not trap (it reads what a restore zeroed).
 */

export const MEMORY_SIZE = 0x3f

/** A non-negative i32.const immediate (signed LEB128). */
function sleb(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n = Math.floor(n / 128)
    if (n === 0 && (b & 0x40) === 0) return [...out, b]
    out.push(b | 0x80)
  }
}

/** The global holding the logical size in pages, starting at the memory's initial size. */
export function pagesGlobal(initialPages: number): number[] {
  return [0x7f, 0x01, 0x41, ...sleb(initialPages), 0x0b]
}

/** What replaces `memory.size 0`: a read of the logical size. */
export function sizeRead(pages: number): number[] {
  return [0x23, ...leb(pages)]
}

/**
 * The body of `grow(delta) -> old logical size or -1`: -1 (and the failure flag set) when the
 * new size passes `maxPages` or the physical memory cannot grow to it.
 */
export function logicalGrowBody(flag: number, pages: number, maxPages: number): number[] {
  const fail = [0x41, 0x01, 0x24, ...leb(flag), 0x41, 0x7f, 0x0f]
  const code = [
    // locals: old (1), new (2)
    [0x01, 0x02, 0x7f],
    [0x23, ...leb(pages), 0x22, 0x01, 0x20, 0x00, 0x6a, 0x21, 0x02],
    // new > max, or the addition wrapped (new < old): refused
    [0x20, 0x02, 0x41, ...sleb(maxPages), 0x4b, 0x20, 0x02, 0x20, 0x01, 0x49, 0x72],
    [0x04, 0x40, ...fail, 0x0b],
    // past the high-water mark: grow the physical memory by the difference
    [0x20, 0x02, MEMORY_SIZE, 0x00, 0x4b, 0x04, 0x40],
    [0x20, 0x02, MEMORY_SIZE, 0x00, 0x6b, OP.memoryGrow, 0x00, 0x41, 0x7f, 0x46],
    [0x04, 0x40, ...fail, 0x0b, 0x0b],
    [0x20, 0x02, 0x24, ...leb(pages), 0x20, 0x01, 0x0b],
  ].flat()
  return [...leb(code.length), ...code]
}
