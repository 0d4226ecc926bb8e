import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { VendorBundle } from '../../../host/bundle/types.js'
import { createQuickjsDriver } from '../../../host/sandbox/quickjs/driver.js'
import { GuestRuntime } from '../../../host/sandbox/quickjs/runtime.js'
import { SPARE_DELAY_MS, spareReady } from '../../../host/sandbox/quickjs/spare.js'
import { eventually } from '../../helpers/fsdir.js'
import { invokeHttp } from '../../helpers/invoke.js'
import { specFor } from '../../helpers/spec.js'
import { scaled } from '../../helpers/time.js'
import { invokeOptions } from './helpers.js'

const SECRET = 'SECRET-of-a-function-using-packages-77e1'
/** Long enough for the spare to be made after the delay, on a busy machine. */
const SPARE_WAIT_MS = SPARE_DELAY_MS + scaled(3000)

/** A vendor bundle as the bundler writes one: a package with module state, run on first import. */
function vendorOf(marker: string): VendorBundle {
  const code = new TextEncoder().encode(
    [
      '(function () {',
      `  const marker = ${JSON.stringify(marker)}`,
      '  let counter',
      '  const modules = { counter: () => (counter ??= (() => { let n = 0; return { bump: () => ++n, marker } })()) }',
      "  Object.defineProperty(globalThis, '__fnhost_vendor', { value: (k) => modules[k]() })",
      '})',
    ].join('\n'),
  )
  const map = '{"version":3,"sources":[],"names":[],"mappings":""}'
  const digest = createHash('sha256').update(code).update(map).digest('hex')
  return { digest, code, map }
}

const source = (keep = '') =>
  `export default { fetch() { const p = globalThis.__fnhost_vendor('counter'); ${keep} return new Response(p.marker + ' ' + p.bump()) } }`

function contains(memory: WebAssembly.Memory, text: string): boolean {
  return Buffer.from(memory.buffer).includes(Buffer.from(text, 'latin1'))
}

describe('QuickJS engines for a package set', () => {
  it('runs the packages afresh in each function, on engines copied from the template', async () => {
    const vendor = vendorOf('v1')
    const driver = createQuickjsDriver()
    const load = (name: string, keep?: string) =>
      driver.load({
        ...specFor(`/functions/${name}.js`, { source: source(keep), config: { memoryMb: 64 } }),
        vendor,
      })
    const a = await load('a', `globalThis.kept = ${JSON.stringify(SECRET)}.repeat(500);`)
    const b = await load('b')
    const text = async (fn: typeof a) =>
      (await invokeHttp(fn, new Request('http://fn/'), invokeOptions())).text()
    expect(await text(a)).toBe('v1 1')
    expect(await text(a)).toBe('v1 2')
    expect(await text(b)).toBe('v1 1')
    await a[Symbol.asyncDispose]()
    await b[Symbol.asyncDispose]()

    await eventually(async () => spareReady(64, vendor), SPARE_WAIT_MS)
    const rt = await GuestRuntime.create({ memoryMb: 64, timeoutMs: 1000 }, undefined, vendor)
    try {
      const compiled = rt.takeVendor(vendor.digest)
      expect(compiled).toBeDefined()
      compiled?.dispose()
      const ran = rt.takeRanPrelude()
      ran?.host.dispose()
      ran?.internals.dispose()
      expect(contains(rt.instance.memory, SECRET)).toBe(false)
      // The copied image is in use whole (zeros included): the pool's budget charges at least that.
      expect(rt.instance.copiedBytes).toBeGreaterThan(0)
      expect(rt.memoryBytes()).toBeGreaterThanOrEqual(rt.instance.copiedBytes ?? Infinity)
    } finally {
      rt.dispose()
    }
  })

  it('serves another package set from its own template', async () => {
    const driver = createQuickjsDriver()
    for (const marker of ['v2', 'v3', 'v2']) {
      const vendor = vendorOf(marker)
      const fn = await driver.load({
        ...specFor(`/functions/${marker}.js`, { source: source(), config: { memoryMb: 64 } }),
        vendor,
      })
      const res = await invokeHttp(fn, new Request('http://fn/'), invokeOptions())
      expect(await res.text()).toBe(`${marker} 1`)
      await fn[Symbol.asyncDispose]()
    }
  })

  it('prepares a package set told of by another worker, before any function of it loads here', async () => {
    const vendor = vendorOf('v4')
    const driver = createQuickjsDriver()
    const spec = {
      ...specFor('/functions/v4.js', { source: source(), config: { memoryMb: 48 } }),
      vendor,
    }
    expect(spareReady(48, vendor)).toBe(false)
    driver.expect?.(spec)
    await eventually(async () => spareReady(48, vendor), SPARE_WAIT_MS)
    const fn = await driver.load(spec)
    expect(spareReady(48, vendor)).toBe(false)
    const res = await invokeHttp(fn, new Request('http://fn/'), invokeOptions())
    expect(await res.text()).toBe('v4 1')
    await fn[Symbol.asyncDispose]()
  })

  it('seeds Math.random afresh in every engine copied from a template', async () => {
    const vendor = vendorOf('v5')
    const driver = createQuickjsDriver()
    const draws = []
    for (const name of ['r1', 'r2', 'r3']) {
      const fn = await driver.load({
        ...specFor(`/functions/${name}.js`, {
          source: 'export default { fetch: () => new Response(String(Math.random())) }',
          config: { memoryMb: 64 },
        }),
        vendor,
      })
      const res = await invokeHttp(fn, new Request('http://fn/'), invokeOptions())
      draws.push(await res.text())
      await fn[Symbol.asyncDispose]()
    }
    expect(new Set(draws).size).toBe(3)
  })
})
