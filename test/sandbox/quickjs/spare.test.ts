import { describe, expect, it } from 'vitest'
import { CONFIG_DEFAULTS } from '../../../host/config-defaults.js'
import { createQuickjsDriver } from '../../../host/sandbox/quickjs/driver.js'
import { inspectSource } from '../../../host/sandbox/quickjs/inspect.js'
import { GuestRuntime } from '../../../host/sandbox/quickjs/runtime.js'
import { SPARE_DELAY_MS, spareReady } from '../../../host/sandbox/quickjs/spare.js'
import { eventually } from '../../helpers/fsdir.js'
import { invokeHttp } from '../../helpers/invoke.js'
import { specFor } from '../../helpers/spec.js'
import { scaled } from '../../helpers/time.js'
import { invokeOptions } from './helpers.js'

const SECRET = 'SECRET-of-the-function-before-4b1d'
/** Long enough for the spare to be made after the delay, on a busy machine. */
const SPARE_WAIT_MS = SPARE_DELAY_MS + scaled(3000)

function contains(memory: WebAssembly.Memory, text: string): boolean {
  return Buffer.from(memory.buffer).includes(Buffer.from(text, 'latin1'))
}

/** A runtime as a load gets it, and whether it came with the prelude run ahead. */
async function runtimeFor(memoryMb: number) {
  const rt = await GuestRuntime.create({ memoryMb, timeoutMs: 1000 })
  const ran = rt.takeRanPrelude()
  ran?.host.dispose()
  ran?.internals.dispose()
  return { rt, madeAhead: ran !== undefined }
}

describe('QuickJS engines made ahead', () => {
  it('gives the next load an engine with the prelude run, holding nothing of an earlier function', async () => {
    const spec = specFor('/functions/before.js', {
      source: `export default { fetch() { globalThis.kept = ${JSON.stringify(SECRET)}.repeat(500); return new Response('before') } }`,
      config: { memoryMb: 96 },
    })
    const fn = await createQuickjsDriver().load(spec)
    const res = await invokeHttp(fn, new Request('http://fn/'), invokeOptions())
    expect(await res.text()).toBe('before')
    await fn[Symbol.asyncDispose]()
    await eventually(async () => spareReady(96), SPARE_WAIT_MS)
    const { rt, madeAhead } = await runtimeFor(96)
    try {
      expect(madeAhead).toBe(true)
      expect(contains(rt.instance.memory, SECRET)).toBe(false)
    } finally {
      rt.dispose()
    }
  })

  it('builds a runtime of another memory cap afresh, and makes the next spare for that cap', async () => {
    await runtimeFor(80).then(({ rt }) => rt.dispose())
    await eventually(async () => spareReady(80), SPARE_WAIT_MS)
    const other = await runtimeFor(112)
    other.rt.dispose()
    expect(other.madeAhead).toBe(false)
    await eventually(async () => spareReady(112), SPARE_WAIT_MS)
    expect(spareReady(80)).toBe(false)
    const next = await runtimeFor(112)
    next.rt.dispose()
    expect(next.madeAhead).toBe(true)
  })

  it('lets a scan-time check take the engine made ahead, and makes the next at once for the load', async () => {
    const memoryMb = CONFIG_DEFAULTS.memoryMb
    await runtimeFor(memoryMb).then(({ rt }) => rt.dispose())
    await eventually(async () => spareReady(memoryMb), SPARE_WAIT_MS)
    const source = new TextEncoder().encode(
      'export const config = { memoryMb: 128 }\nexport default { fetch: () => new Response("") }',
    )
    expect(await inspectSource('/functions/checked.js', source)).toEqual({
      config: { memoryMb: 128 },
    })
    // Taken by the check's syntax check (a runtime of the default cap)...
    expect(spareReady(memoryMb)).toBe(false)
    // ...and made again, with no load asking, for the load that follows.
    await eventually(async () => spareReady(memoryMb), SPARE_WAIT_MS)
    const { rt, madeAhead } = await runtimeFor(memoryMb)
    rt.dispose()
    expect(madeAhead).toBe(true)
  })

  it('makes an engine of the default cap ahead when a serving worker prepares the driver', async () => {
    await runtimeFor(80).then(({ rt }) => rt.dispose())
    await eventually(async () => spareReady(80), SPARE_WAIT_MS)
    // Nothing else asks for the default cap now: only prepare() can make that spare.
    createQuickjsDriver().prepare?.()
    await eventually(async () => spareReady(CONFIG_DEFAULTS.memoryMb), SPARE_WAIT_MS)
  })

  it('serves a function loaded on an engine made ahead like any other', async () => {
    await runtimeFor(128).then(({ rt }) => rt.dispose())
    await eventually(async () => spareReady(128), SPARE_WAIT_MS)
    const spec = specFor('/functions/after.js', {
      source: `export default { fetch: (req) => new Response(new URL(req.url).pathname + ' ' + typeof Headers) }`,
      config: { memoryMb: 128 },
    })
    const fn = await createQuickjsDriver().load(spec)
    expect(spareReady(128)).toBe(false)
    const res = await invokeHttp(fn, new Request('http://fn/x'), invokeOptions())
    expect(await res.text()).toBe('/x function')
    await fn[Symbol.asyncDispose]()
  })
})
