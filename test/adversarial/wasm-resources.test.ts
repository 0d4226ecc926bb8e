import { describe, expect, it } from 'vitest'
import { MAX_TABLE_ENTRIES } from '../../host/sandbox/wasm/limits.js'
import { leb } from '../../host/sandbox/wasm/reader.js'
import { funcExport, module } from '../helpers/wasm-module.js'
import { errorAnswer, expectServes, hostPerTest } from './host.js'
import { MiB, peakGrowth } from './rss.js'

/*
 * Tables, globals and element segments live in the V8 heap, outside the memory cap: a module
 * declaring enough of them once crashed the whole process. Each is bounded at load, and table
 * growth at run time.
 */

/** What a refused module may cost the process, at most: it is never instantiated. */
const REFUSED_RSS_MARGIN = 64 * MiB
/** A module whose table growth is bounded: its memory cap (1 page) plus what the bound allows. */
const GROW_RSS_MARGIN = 64 * MiB

const FUNCREF = 0x70
const memory = [[0x00, 0x01]]
const start = [funcExport('_start', 0)]

/** A WAGI-shaped module with an empty `_start` and these raw parts. */
function wagi(parts: Parameters<typeof module>[0]): Uint8Array {
  return module({ memories: memory, bodies: [[]], exports: start, ...parts })
}

const table = (min: number, max?: number) =>
  max === undefined ? [FUNCREF, 0x00, ...leb(min)] : [FUNCREF, 0x01, ...leb(min), ...leb(max)]

/** `count` raw entries of the same bytes, built as one array without spreading huge arguments. */
function repeat(entry: number[], count: number): number[][] {
  return Array.from({ length: count }, () => entry)
}

/** `_start` grows table 0 by `delta` null entries and traps when the growth is refused (-1). */
function growsTable(delta: number, tables: number[][]): Uint8Array {
  const body = [
    ...[0xd0, FUNCREF],
    ...[0x41, ...signed(delta)],
    ...[0xfc, 15, 0x00],
    ...[0x41, 0x7f, 0x46],
    ...[0x04, 0x40, 0x00, 0x0b],
  ]
  return wagi({ tables, bodies: [body] })
}

function signed(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b]
    out.push(b | 0x80)
  }
}

describe('wasm resources outside linear memory', () => {
  const startHost = hostPerTest()

  async function refused(files: Record<string, Uint8Array>, path: string, reason: RegExp) {
    const h = await startHost(files)
    const { result, growth } = await peakGrowth(h, () => errorAnswer(h.call, path))
    expect(result).toMatchObject({ status: 500, error: 'FUNCTION_LOAD_FAILED' })
    expect(result.message).toMatch(reason)
    expect(growth).toBeLessThan(REFUSED_RSS_MARGIN)
    await expectServes(h.call)
  }

  it('refuses the 218-byte module declaring 10 funcref tables of 10,000,000 entries at load', async () => {
    const bytes = wagi({ tables: repeat(table(10_000_000), 10) })
    expect(bytes.length).toBeLessThan(300)
    await refused({ 'tables.wasm': bytes }, '/tables', /10 tables; fnhost allows at most 8/)
  })

  it('refuses 4 tables of 10,000,000 entries, and one: the sum of initial sizes is bounded', async () => {
    await refused(
      { 'four.wasm': wagi({ tables: repeat(table(10_000_000, 10_000_000), 4) }) },
      '/four',
      /40000000 table entries/,
    )
    await refused(
      { 'one.wasm': wagi({ tables: [table(MAX_TABLE_ENTRIES + 1)] }) },
      '/one',
      /table entries/,
    )
  })

  it('stops table.grow at the bound at run time: the grow returns -1 (here: a trap, 500 GUEST_ERROR)', async () => {
    const h = await startHost({
      'grow.wasm': growsTable(5_000_000, [table(1)]),
      'growmax.wasm': growsTable(5_000_000, [table(1, 10_000_000)]),
      'small.wasm': growsTable(1000, [table(1)]),
    })
    for (const path of ['/grow', '/growmax']) {
      const { result, growth } = await peakGrowth(h, () => errorAnswer(h.call, path))
      expect(result).toMatchObject({ status: 500, error: 'GUEST_ERROR' })
      expect(growth).toBeLessThan(GROW_RSS_MARGIN)
    }
    // A growth within the bound succeeds: the module runs to its end without writing a response.
    expect(await errorAnswer(h.call, '/small')).toMatchObject({
      status: 502,
      error: 'GUEST_BAD_RESPONSE',
    })
    await expectServes(h.call)
  })

  it('refuses more globals than the bound', async () => {
    await refused(
      { 'globals.wasm': wagi({ globals: repeat([0x7f, 0x00, 0x41, 0x00, 0x0b], 200_000) }) },
      '/globals',
      /200000 globals/,
    )
  })

  it('refuses too many element segments, and too many element items', async () => {
    const passive = [0x01, 0x00, 0x00]
    await refused(
      { 'segments.wasm': wagi({ elements: repeat(passive, 20_000) }) },
      '/segments',
      /20000 element segments/,
    )
    const items = 300_000
    const big = [0x01, 0x00, ...leb(items), ...new Array<number>(items).fill(0)]
    await refused({ 'items.wasm': wagi({ elements: [big] }) }, '/items', /element segment items/)
  })
})
