import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { packageRoot } from '../../../host/paths.js'
import { isComponent } from '../../../host/sandbox/component/header.js'
import { bodies, walkBody } from '../../../host/sandbox/wasm/code.js'
import { MemoryPool } from '../../../host/sandbox/wasm/memory-pool.js'
import { parseModule } from '../../../host/sandbox/wasm/module.js'
import { GROW_FAILED_EXPORT, rewrite } from '../../../host/sandbox/wasm/rewrite.js'
import { wasm } from '../../helpers/wasm.js'
import { funcExport, funcType, I32, memoryExport, module } from '../../helpers/wasm-module.js'

/** Core modules only: a component is a container of core modules, which jco hands the host. */
const builtModules = ['examples', 'fixtures', 'conformance'].flatMap((dir) =>
  readdirSync(join(packageRoot, 'wasm', dir))
    .filter((f) => f.endsWith('.wasm'))
    .filter((f) => !isComponent(readFileSync(join(packageRoot, 'wasm', dir, f))))
    .map((f) => `${dir}/${f.slice(0, -5)}`),
)

describe('the wasm binary layer', () => {
  it('decodes every instruction of every committed module, clang and emscripten alike', () => {
    for (const name of builtModules) {
      const info = parseModule(wasm(name))
      let count = 0
      for (const body of bodies(info)) walkBody(info.bytes, body, () => count++)
      expect(count, name).toBeGreaterThan(0)
    }
  })

  it('rewrites a defined memory into a capped import and keeps the module valid', () => {
    const info = parseModule(wasm('examples/hello'))
    const out = rewrite(info, {
      importMemory: { module: 'fnhost', name: 'memory', min: info.memories[0]!.min, max: 100 },
      growProbe: true,
    })
    expect(WebAssembly.validate(out)).toBe(true)
    const rewritten = parseModule(out)
    expect(rewritten.memories).toEqual([])
    expect(rewritten.imports.filter((i) => i.kind === 'memory')).toEqual([
      expect.objectContaining({
        module: 'fnhost',
        name: 'memory',
        memory: expect.objectContaining({ max: 100 }),
      }),
    ])
    expect(rewritten.exports.map((e) => e.name)).toEqual([
      ...info.exports.map((e) => e.name),
      GROW_FAILED_EXPORT,
    ])
  })

  it('routes memory.grow through the probe, which flags a grow refused at the maximum', async () => {
    // grow(pages) -> memory.grow(pages), in a module whose memory may reach 2 pages.
    const bytes = module({
      types: [funcType([I32], [I32])],
      memories: [[0x01, 0x01, 0x02]],
      bodies: [[0x20, 0x00, 0x40, 0x00]],
      bodyTypes: [1],
      exports: [funcExport('grow', 0), memoryExport('memory')],
    })
    const out = rewrite(parseModule(bytes), { growProbe: true })
    const { instance } = await WebAssembly.instantiate(out)
    const grow = instance.exports.grow as (n: number) => number
    const flag = instance.exports[GROW_FAILED_EXPORT] as WebAssembly.Global
    expect([grow(1), flag.value]).toEqual([1, 0])
    expect([grow(1), flag.value]).toEqual([-1, 1])
  })

  it('hands out zero-filled memories and keeps only those that stayed small', () => {
    using pool = new MemoryPool({
      initialPages: 1,
      maximumPages: 200,
      keep: 1,
      retainBytes: 2 * 65536,
    })
    const a = pool.take()
    new Uint8Array(a.buffer).fill(9)
    pool.release(a)
    const again = pool.take()
    expect(again).toBe(a)
    expect(new Uint8Array(again.buffer).every((b) => b === 0)).toBe(true)
    again.grow(100)
    pool.release(again)
    expect(pool.idle).toBe(0)
    pool[Symbol.dispose]()
    expect(() => pool.take()).toThrow(/after dispose/)
  })
})
