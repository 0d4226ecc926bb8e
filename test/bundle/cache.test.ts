import { buildSync } from 'esbuild'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { bundleOffThread } from '../../host/bundle/thread.js'
import { bundleSource, forgetBundle } from '../../host/bundle/index.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { scaled } from '../helpers/time.js'

/** The longest the event loop may go without running a timer while a bundle is built. */
const MAX_STALL_MS = scaled(60)
/** The hostile file size of the scan-stall case (the function-file limit is larger). */
const HUGE_SOURCE_BYTES = 30 * 1024 * 1024
/**
 * The longest stall while such a source is read: copying 30 MB to the bundling thread and into
 * WebCrypto still costs the event loop some milliseconds (it stalled ~860 ms when the import check
 * ran on it).
 */
const HUGE_SOURCE_STALL_MS = scaled(150)

/** A module of `n` small functions: a few MB of source, so a synchronous build would stall. */
function bigModule(n: number): string {
  const lines = []
  for (let i = 0; i < n; i++)
    lines.push(`export function f${i}(x: number): number { return x * ${i} + ${i % 7} }`)
  return lines.join('\n')
}

/** Runs `work` while a 1 ms interval timer measures the longest gap between its ticks. */
async function longestStall(work: () => Promise<unknown> | unknown): Promise<number> {
  let last = performance.now()
  let worst = 0
  const timer = setInterval(() => {
    const now = performance.now()
    worst = Math.max(worst, now - last)
    last = now
  }, 1)
  try {
    await new Promise((r) => setTimeout(r, 5))
    last = performance.now()
    await work()
    await new Promise((r) => setTimeout(r, 5))
  } finally {
    clearInterval(timer)
  }
  return worst
}

/** A bundle's text with its vendor bundle's (the packages a function imports live there). */
function textOf(bundle: { code: Uint8Array; vendor?: { code: Uint8Array } } | undefined): string {
  const decode = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : '')
  return decode(bundle?.code) + decode(bundle?.vendor?.code)
}

/** Bundles `name` of the folder `dir` as the registry does, from the file as it is now. */
async function bundleIn(dir: string, name: string) {
  const file = join(dir, name)
  return bundleSource(dir, file, await readFile(file))
}

describe('bundle cache and the event loop', () => {
  let dir: TempDir
  afterEach(async () => dir?.[Symbol.asyncDispose]())

  it('reuses a bundle while its inputs are unchanged and rebuilds when an import changes', async () => {
    dir = await functionsDir({
      'a.ts': "import { v } from './_v'\nexport default () => new Response(v)\n",
      '_v.ts': "export const v = 'one'\n",
    })
    const file = join(dir.path, 'a.ts')
    const source = new TextEncoder().encode(
      "import { v } from './_v'\nexport default () => new Response(v)\n",
    )
    await new Promise((r) => setTimeout(r, 30))
    const first = await bundleSource(dir.path, file, source)
    const second = await bundleSource(dir.path, file, source)
    expect(second).toBe(first)
    await dir.write('_v.ts', "export const v = 'two'\n")
    const third = await bundleSource(dir.path, file, source)
    expect(third).not.toBe(first)
    expect(new TextDecoder().decode(third!.code)).toContain('"two"')
    expect(third!.inputs.sort()).toEqual([file, join(dir.path, '_v.ts')].sort())
  })

  it('bundles two functions of one folder at once, each with its own inputs and source map', async () => {
    dir = await functionsDir({
      'a.ts': "import { v } from './_a'\nexport default () => new Response(v)\n",
      'b.ts': "import { v } from './_b'\nexport default () => new Response(v)\n",
      '_a.ts': "export const v = 'from a'\n",
      '_b.ts': "export const v = 'from b'\n",
    })
    const bundle = (name: string) => bundleIn(dir!.path, name)
    // Both at once, on one bundling thread.
    const [a, b] = await Promise.all([bundle('a.ts'), bundle('b.ts')])
    expect(new TextDecoder().decode(a!.code)).toContain('from a')
    expect(new TextDecoder().decode(a!.code)).not.toContain('from b')
    expect(new TextDecoder().decode(b!.code)).toContain('from b')
    expect(b!.inputs.sort()).toEqual([join(dir.path, 'b.ts'), join(dir.path, '_b.ts')].sort())
    expect(JSON.parse(b!.map).sources.sort()).toEqual(['_b.ts', 'b.ts'])
  })

  it('rebuilds after a failed build once the package is installed, and when a new module wins resolution', async () => {
    dir = await functionsDir({
      'a.ts': "import { v } from 'late'\nexport default () => new Response(v)\n",
      'b.ts': "import { v } from './_lib'\nexport default () => new Response(v)\n",
      '_lib.js': "export const v = 'js'\n",
    })
    const bundle = (name: string) => bundleIn(dir!.path, name)
    await expect(bundle('a.ts')).rejects.toThrow(/Could not resolve "late"/)
    expect(new TextDecoder().decode((await bundle('b.ts'))!.code)).toContain('"js"')
    await dir.write('node_modules/late/package.json', '{"name":"late","main":"index.js"}')
    await dir.write('node_modules/late/index.js', "export const v = 'installed'\n")
    expect(textOf(await bundle('a.ts'))).toContain('"installed"')
    // ./_lib.ts now wins over ./_lib.js: a file the last build of b.ts never read.
    await dir.write('_lib.ts', "export const v: string = 'ts'\n")
    forgetBundle(join(dir.path, 'b.ts'))
    expect(new TextDecoder().decode((await bundle('b.ts'))!.code)).toContain('"ts"')
  })

  it('builds without stalling the event loop (on the bundling thread, esbuild in its own process)', async () => {
    const source = bigModule(40_000)
    dir = await functionsDir({
      'big.ts': source + '\nexport default () => new Response(String(f3(2)))\n',
    })
    const file = join(dir.path, 'big.ts')
    const sync = await longestStall(() =>
      buildSync({ entryPoints: [file], bundle: true, write: false, format: 'esm' }),
    )
    const async = await longestStall(() =>
      bundleOffThread(dir.path, file, new TextEncoder().encode(source)),
    )
    // The synchronous build of the same input shows what a stall would look like.
    expect(sync).toBeGreaterThan(MAX_STALL_MS)
    expect(async).toBeLessThan(MAX_STALL_MS)
  })

  it('reads a 30 MB source that imports nothing off the serving thread, and runs it as written', async () => {
    // Comments, strings and regex-like text: the import check must scan every byte of it.
    const line = "/* import x from 'y' */ const s = 'require(z)'; // import\n"
    const filler = line.repeat(Math.ceil(HUGE_SOURCE_BYTES / line.length))
    const bytes = new TextEncoder().encode(filler + 'export default () => new Response("ok")\n')
    dir = await functionsDir({ 'huge.js': bytes })
    const file = join(dir.path, 'huge.js')
    let result: unknown = 'pending'
    const stall = await longestStall(async () => {
      result = await bundleSource(dir!.path, file, bytes)
    })
    expect(result).toBeUndefined()
    expect(stall).toBeLessThan(HUGE_SOURCE_STALL_MS)
  })
})
