import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  engineFromImage,
  makeEngineImage,
  readEngineImage,
  setEngineImage,
  type EngineImage,
} from '../../../host/sandbox/quickjs/image.js'
import { createQuickjsDriver } from '../../../host/sandbox/quickjs/driver.js'
import { heapProbe } from '../../../host/sandbox/quickjs/heap-size.js'
import { inspectSource } from '../../../host/sandbox/quickjs/inspect.js'
import { dropEngine } from '../../../host/sandbox/quickjs/template.js'
import { invokeHttp } from '../../helpers/invoke.js'
import { specFor } from '../../helpers/spec.js'
import { invokeOptions } from './helpers.js'

const SECRET = 'SECRET-written-into-a-copy-of-the-image-5e0c'

/*
 * The binary's engines start from an image made at build time (host/sandbox/quickjs/image.ts);
 * here the image is made in-process and set, as the binary reads its embedded one.
 */
describe('QuickJS engines copied from an engine image', () => {
  let bytes: Uint8Array
  let image: EngineImage

  beforeAll(async () => {
    bytes = await makeEngineImage()
    image = readEngineImage(bytes) as EngineImage
  })
  afterEach(() => setEngineImage(undefined))

  it('reads back what it wrote: the prelude run, the heap probe found', async () => {
    expect(image).toBeDefined()
    expect(image.memoryBytes).toBeGreaterThan(0)
    expect(image.runs.length).toBeGreaterThan(0)
    // The same probe a thread finds on a fresh instance of its own.
    expect(image.heap).toEqual(await heapProbe())
    setEngineImage(image)
    const engine = (await engineFromImage(64)) as NonNullable<
      Awaited<ReturnType<typeof engineFromImage>>
    >
    try {
      // The prelude ran ahead: its internals wait for their function's settings.
      const configure = engine.context.getProp(engine.ran!.internals, 'configure')
      expect(engine.context.typeof(configure)).toBe('function')
      configure.dispose()
      expect(engine.instance.memoryMb).toBe(64)
    } finally {
      dropEngine(engine)
    }
  })

  it("evaluates a file's config literal where nothing has run: not in a copy of the image", async () => {
    setEngineImage(image)
    // The image's engine ran the prelude (its globals are defined there); a literal sees none.
    const source = new TextEncoder().encode(
      'export const config = { memoryMb: typeof Response === "undefined" ? 64 : 96 }\n' +
        'export default { fetch: () => new Response("") }',
    )
    expect(await inspectSource('/functions/literal.js', source)).toEqual({
      config: { memoryMb: 64 },
    })
  })

  it('refuses an image of another prelude, or one cut short', () => {
    const length = Buffer.from(bytes.buffer, bytes.byteOffset).readUInt32LE(0)
    const header = JSON.parse(Buffer.from(bytes.subarray(4, 4 + length)).toString()) as {
      preludeDigest: string
    }
    const other = Buffer.from(
      JSON.stringify({ ...header, preludeDigest: header.preludeDigest.replace(/^./, 'x') }),
    )
    const size = Buffer.alloc(4)
    size.writeUInt32LE(other.byteLength)
    expect(readEngineImage(Buffer.concat([size, other, bytes.subarray(4 + length)]))).toBe(
      undefined,
    )
    expect(readEngineImage(bytes.subarray(0, bytes.byteLength - 1))).toBe(undefined)
    expect(readEngineImage(new Uint8Array(8))).toBe(undefined)
  })

  it('gives no engine without an image', async () => {
    expect(await engineFromImage(64)).toBe(undefined)
  })

  it("serves functions from copies, each with its own Math.random and nothing of another's", async () => {
    setEngineImage(image)
    const driver = createQuickjsDriver()
    const load = (name: string, body: string) =>
      driver.load(
        specFor(`/functions/${name}.js`, {
          source: `export default { fetch() { ${body} } }`,
          config: { memoryMb: 64 },
        }),
      )
    const a = await load(
      'a',
      `globalThis.kept = ${JSON.stringify(SECRET)}.repeat(100); return new Response(String(Math.random()))`,
    )
    const b = await load(
      'b',
      `return new Response(String(Math.random()) + ' ' + typeof globalThis.kept + ' ' + new URL('/x?y=1', 'http://h').search)`,
    )
    try {
      const text = async (fn: typeof a) =>
        (await invokeHttp(fn, new Request('http://fn/'), invokeOptions())).text()
      const first = await text(a)
      const [random, kept, search] = (await text(b)).split(' ')
      expect(kept).toBe('undefined')
      expect(search).toBe('?y=1')
      expect(Number(first)).toBeGreaterThanOrEqual(0)
      expect(random).not.toBe(first)
      expect(a.memoryBytes?.()).toBeGreaterThan(0)
      expect(a.memoryBytes?.()).toBeLessThan(image.memoryBytes)
    } finally {
      await a[Symbol.asyncDispose]()
      await b[Symbol.asyncDispose]()
    }
  })
})
