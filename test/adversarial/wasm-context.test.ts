import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { packageRoot } from '../../host/paths.js'
import { CONTEXT_CAP_BYTES } from '../../host/sandbox/wasi/context-dir.js'
import { expectServes, hostPerTest } from './host.js'
import { MiB, peakGrowth } from './rss.js'

/*
 * /context is memory of the host's: what its files hold is counted in allocated bytes (a truncated
 * file gives its buffer back, an unlinked one once closed), within 16 MiB and within what the
 * function's memory cap leaves beside its linear memory.
 */

const fixture = () => readFile(join(packageRoot, 'wasm', 'fixtures', 'context-churn.wasm'))

/** Beside the function's cap and one /context cap, what the host may grow by (modules, buffers, GC lag). */
const RSS_MARGIN = 128 * MiB

async function text(call: (p: string) => Promise<Response>, path: string) {
  const res = await call(path)
  return { status: res.status, body: await res.text() }
}

describe('/context memory', () => {
  const start = hostPerTest()

  it('frees what truncation gives back: 60 files of 16 MiB written and truncated all succeed, RSS stays bounded', async () => {
    const h = await start({ 'ctx.wasm': await fixture() })
    const { result, growth } = await peakGrowth(h, () => text(h.call, '/ctx?mode=churn'))
    expect(result).toEqual({ status: 200, body: `churn bytes=${60 * 16 * MiB} failed=none` })
    expect(growth).toBeLessThan(128 * MiB + CONTEXT_CAP_BYTES + RSS_MARGIN)
    await expectServes(h.call)
  })

  it('refuses growth past the 16 MiB of /context with ENOSPC', async () => {
    const h = await start({ 'ctx.wasm': await fixture() })
    const { result, growth } = await peakGrowth(h, () => text(h.call, '/ctx?mode=fill'))
    expect(result.status).toBe(200)
    const written = Number(/bytes=(\d+)/.exec(result.body)?.[1])
    expect(result.body).toMatch(/failed=ENOSPC$/)
    expect(written).toBeLessThanOrEqual(CONTEXT_CAP_BYTES)
    // request.json is in /context too, so not quite all 16 files fit.
    expect(written).toBeGreaterThanOrEqual(CONTEXT_CAP_BYTES - 2 * MiB)
    expect(growth).toBeLessThan(128 * MiB + CONTEXT_CAP_BYTES + RSS_MARGIN)
    await expectServes(h.call)
  })

  it('counts an unlinked file still open: 64 unlinked 8 MiB files stop at the cap', async () => {
    const h = await start({ 'ctx.wasm': await fixture() })
    const { result, growth } = await peakGrowth(h, () => text(h.call, '/ctx?mode=unlinked'))
    expect(result.status).toBe(200)
    expect(result.body).toMatch(/failed=ENOSPC$/)
    expect(Number(/bytes=(\d+)/.exec(result.body)?.[1])).toBeLessThanOrEqual(CONTEXT_CAP_BYTES)
    expect(growth).toBeLessThan(128 * MiB + CONTEXT_CAP_BYTES + RSS_MARGIN)
    await expectServes(h.call)
  })

  it('keeps /context within what the memory cap leaves beside linear memory', async () => {
    // A 4 MiB cap: the module's linear memory (its static 1 MiB chunk, stack, heap) takes much of it.
    const h = await start({
      'small.wasm': await fixture(),
      'small.json': JSON.stringify({ memoryMb: 4 }),
    })
    const result = await text(h.call, '/small?mode=fill')
    expect(result.status).toBe(200)
    expect(result.body).toMatch(/failed=ENOSPC$/)
    expect(Number(/bytes=(\d+)/.exec(result.body)?.[1])).toBeLessThan(4 * MiB)
    await expectServes(h.call)
  })
})
