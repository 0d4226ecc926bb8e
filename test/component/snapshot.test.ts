import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { HttpInvocation } from '../../host/invocation.js'
import { discardLog } from '../../host/observe/invocation-log.js'
import { packageRoot } from '../../host/paths.js'
import { usesSyncCanonOnly } from '../../host/sandbox/component/canon.js'
import { ComponentFunction } from '../../host/sandbox/component/component-function.js'
import { compileCores } from '../../host/sandbox/component/core.js'
import { createComponentDriver } from '../../host/sandbox/component/driver.js'
import { SyncFetcher } from '../../host/sandbox/component/fetch-sync.js'
import { loadInstantiate } from '../../host/sandbox/component/instance.js'
import { Snapshot } from '../../host/sandbox/component/snapshot.js'
import { prepareComponent } from '../../host/sandbox/component/transpile.js'
import type { LoadedFunction } from '../../host/sandbox/types.js'
import { parseModule } from '../../host/sandbox/wasm/module.js'
import { leb } from '../../host/sandbox/wasm/reader.js'
import { GROW_FAILED_EXPORT, PAGES_EXPORT, rewrite } from '../../host/sandbox/wasm/rewrite.js'
import { scanState } from '../../host/sandbox/wasm/state.js'
import { specFor } from '../helpers/spec.js'
import { scaled } from '../helpers/time.js'
import { transpiledCache } from '../helpers/transpiled.js'
import { funcExport, funcType, I32, memoryImport, module } from '../helpers/wasm-module.js'

/**
 * A core module with state outside memory that it never exports: a mutable global `bump`
 * increments, and a table whose entry 0 (a function, from an active segment) `clear` nulls.
 */
const stateful = module({
  types: [funcType([], [I32])],
  tables: [[0x70, 0x00, 0x02]],
  globals: [[I32, 0x01, 0x41, 0x00, 0x0b]],
  bodies: [
    [0x23, 0x00, 0x41, 0x01, 0x6a, 0x24, 0x00, 0x23, 0x00],
    [0x41, 0x00, 0xd0, 0x70, 0x26, 0x00],
    [0x41, 0x00, 0x25, 0x00, 0xd1, 0x45],
  ],
  bodyTypes: [1, 0, 1],
  exports: [funcExport('bump', 0), funcExport('clear', 1), funcExport('has', 2)],
  elements: [[0x00, 0x41, 0x00, 0x0b, 0x01, 0x00]],
})

const PAGE = 65536

/** A component binary of the given sections (id, payload). */
function component(...sections: Array<[number, number[]]>): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]
  for (const [id, payload] of sections) out.push(id, ...leb(payload.length), ...payload)
  return new Uint8Array(out)
}
const canon = (...entries: number[][]): [number, number[]] => [
  8,
  [entries.length, ...entries.flat()],
]

const inv = (query: string): HttpInvocation => ({
  type: 'http',
  method: 'GET',
  url: `http://localhost/state?${query}`,
  path: '/state',
  query,
  route: '/state',
  params: {},
  headers: [],
  body: null,
  requestId: 'snapshot-test',
})

async function answer(fn: LoadedFunction, query = ''): Promise<string> {
  const opts = { deadline: Date.now() + 10_000, signal: new AbortController().signal }
  const { body } = await fn.invoke(inv(query), { ...opts, log: discardLog })
  return new TextDecoder().decode(body as Uint8Array)
}

describe('snapshot and restore of an instance', () => {
  it('puts back memory, a global and a table the module does not export', async () => {
    const info = parseModule(stateful)
    const scan = scanState(info)
    expect(scan).toEqual({
      mutableGlobals: [0],
      tables: [0],
      writesTables: true,
      dropsSegments: false,
      usesMemorySize: false,
    })
    const { instance } = await WebAssembly.instantiate(rewrite(info, { exportState: scan }))
    const { bump, clear, has } = instance.exports as Record<string, () => number>
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 })
    const parts = { memory, instances: [instance], importedGlobals: [], glue: {} }
    const snapshot = new Snapshot(parts, scan.writesTables)
    expect([bump!(), bump!(), has!()]).toEqual([1, 2, 1])
    clear!()
    new Uint8Array(memory.buffer)[100] = 7
    expect(has!()).toBe(0)
    expect(snapshot.restore()).toBe(true)
    expect([bump!(), has!(), new Uint8Array(memory.buffer)[100]]).toEqual([1, 1, 0])
    memory.grow(1)
    expect(snapshot.restore()).toBe(false)
  })

  it('gives the guest a logical memory size a restore puts back, with the cap kept', async () => {
    const sized = module({
      types: [funcType([I32], [I32]), funcType([], [I32])],
      memories: [[0x01, 0x01, 0x04]],
      bodies: [
        [0x20, 0x00, 0x40, 0x00],
        [0x3f, 0x00],
      ],
      bodyTypes: [1, 2],
      exports: [funcExport('grow', 0), funcExport('size', 1)],
    })
    const info = parseModule(sized)
    const importMemory = { module: 'fnhost', name: 'memory', min: 1, max: 3 }
    const exportState = scanState(info)
    const options = { importMemory, growProbe: true, exportState, logicalMemory: true }
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 3 })
    const { instance } = await WebAssembly.instantiate(rewrite(info, options), {
      fnhost: { memory },
    })
    const { grow, size } = instance.exports as Record<string, (n?: number) => number>
    const flag = instance.exports[GROW_FAILED_EXPORT] as WebAssembly.Global
    const snapshot = new Snapshot(
      { memory, instances: [instance], importedGlobals: [], glue: {} },
      false,
    )
    expect([grow!(1), size!(), memory.buffer.byteLength]).toEqual([1, 2, 2 * PAGE])
    new Uint8Array(memory.buffer)[PAGE + 5] = 9
    expect(snapshot.restore()).toBe(true)
    expect([size!(), memory.buffer.byteLength, new Uint8Array(memory.buffer)[PAGE + 5]]).toEqual([
      1,
      2 * PAGE,
      0,
    ])
    expect([grow!(1), memory.buffer.byteLength, flag.value]).toEqual([1, 2 * PAGE, 0])
    expect([grow!(2), size!(), flag.value]).toEqual([-1, 2, 1])
    expect([grow!(1), size!(), memory.buffer.byteLength]).toEqual([2, 3, 3 * PAGE])
  })

  it('keeps memory sizes real, and does not restore, when another module sizes the memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fnhost-component-cores-'))
    try {
      const grows = [0x41, 0x01, 0x40, 0x00, 0x1a]
      const owner = module({ memories: [[0x00, 0x01]], bodies: [grows] })
      const user = (body: number[]) =>
        module({ imports: [memoryImport('main', 'memory', [0x00, 0x01])], bodies: [body] })
      writeFileSync(join(dir, 'owner.wasm'), owner)
      writeFileSync(join(dir, 'quiet.wasm'), user([0x41, 0x00, 0x1a]))
      writeFileSync(join(dir, 'grows.wasm'), user(grows))
      const quiet = await compileCores({ dir, cores: ['owner.wasm', 'quiet.wasm'], glue: true }, 8)
      const sizing = await compileCores({ dir, cores: ['owner.wasm', 'grows.wasm'], glue: true }, 8)
      expect([quiet.restorable, sizing.restorable]).toEqual([true, false])
      const exported = (m: WebAssembly.Module) => WebAssembly.Module.exports(m).map((e) => e.name)
      expect(exported(quiet.capped!.module)).toContain(PAGES_EXPORT)
      expect(exported(sizing.capped!.module)).not.toContain(PAGES_EXPORT)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('finds a segment drop, which no restore can undo', () => {
    const drops = module({ bodies: [[0xfc, 0x0d, 0x00]], elements: [[0x01, 0x00, 0x00]] })
    expect(scanState(parseModule(drops)).dropsSegments).toBe(true)
  })

  it('reads whether a component uses only the synchronous canonical ABI', () => {
    const hello = readFileSync(join(packageRoot, 'wasm/examples/component-hello.wasm'))
    expect(usesSyncCanonOnly(hello)).toBe(true)
    expect(usesSyncCanonOnly(component(canon([0x03, 0x00], [0x01, 0x00, 0x00, 0x00])))).toBe(true)
    // context.get, then a lift with the async option, then the same inside a nested component.
    expect(usesSyncCanonOnly(component(canon([0x0a, 0x7f, 0x00])))).toBe(false)
    expect(usesSyncCanonOnly(component(canon([0x00, 0x00, 0x00, 0x01, 0x06, 0x00])))).toBe(false)
    const nested = component(canon([0x0a, 0x7f, 0x00]))
    expect(usesSyncCanonOnly(component([4, [...nested]]))).toBe(false)
    expect(usesSyncCanonOnly(component([8, [0x01, 0x00]]))).toBe(false)
  })
})

describe('fresh component instances, in-process', () => {
  const cacheDir = transpiledCache()
  const file = join(packageRoot, 'wasm/fixtures/component-state.wasm')

  it(
    "restores the committed C components (jco's output has the shape the host patches)",
    async () => {
      const driver = createComponentDriver({ cacheDir })
      for (const name of ['examples/component-hello', 'fixtures/component-state']) {
        const fn = await driver.load(
          specFor(join(packageRoot, `wasm/${name}.wasm`), { kind: 'component' }),
        )
        expect((fn as ComponentFunction).restorable, name).toBe(true)
        await fn[Symbol.asyncDispose]()
        // Every import body jco generated takes the lean path for a synchronous call (patch.ts).
        const { dir } = await prepareComponent(
          readFileSync(join(packageRoot, `wasm/${name}.wasm`)),
          cacheDir,
        )
        const js = readFileSync(join(dir, 'component.mjs'), 'utf8')
        const bodies = js.split('taskCreation: {').length - 1
        expect(bodies, name).toBeGreaterThan(0)
        expect(
          js.split('if (takeLeanCall()) task = LEAN_HOST_TASK; else taskCreation: {').length - 1,
          name,
        ).toBe(bodies)
        expect(js, name).toContain('if (glue.leanSync === true && !args.isAsync')
      }
    },
    scaled(60_000),
  )

  it(
    "is fresh by jco's instantiation when an instance cannot be restored",
    async () => {
      const spec = specFor(file, { kind: 'component' })
      const transpiled = await prepareComponent(spec.source, cacheDir)
      const cores = await compileCores(transpiled, spec.config.memoryMb)
      const outgoing = { fetcher: new SyncFetcher(undefined), maxSubrequests: 0 }
      const run = await loadInstantiate(transpiled)
      await using fn = new ComponentFunction(spec, run, cores, outgoing, false)
      const first = await answer(fn, 'note=a')
      expect(first).toMatch(/^count=1 pages=\d+ note=a$/)
      expect(await answer(fn)).toBe(first.replace('note=a', 'note='))
    },
    scaled(60_000),
  )
})
