/**
 * Builds every C guest (examples, test fixtures, conformance cases) into wasm/, and copies each
 * example beside its source so `fnhost serve guests/examples` serves it. Output is reproducible:
 * `--check` rebuilds into a temporary folder and fails when any committed .wasm differs.
 *
 *   node --import tsx scripts/build-wasm.ts            build into the repository
 *   node --import tsx scripts/build-wasm.ts --check    rebuild elsewhere and compare (CI)
 *   node --import tsx scripts/build-wasm.ts --out DIR  build into DIR/wasm and DIR/guests
 */
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative } from 'node:path'
import { parseArgs, promisify } from 'node:util'
import { packageRoot } from '../host/paths.js'
import { abiOf, clangArgs, compile, findClang, sdkDir } from '../host/toolchain/clang.js'
import { buildComponent } from '../host/toolchain/component.js'

const run = promisify(execFile)

/** Built with emscripten instead of clang, to keep its standalone output covered. */
const EMSCRIPTEN = new Set([
  'guests/examples/c/wordcount.c',
  'test/fixtures/wasm/emcc-grow.c',
  'test/fixtures/wasm/emcc-loop.c',
])
const EMCC_FLAGS = [
  '-O2',
  '-sSTANDALONE_WASM',
  '-sINITIAL_MEMORY=262144',
  '-sTOTAL_STACK=65536',
  '-sALLOW_MEMORY_GROWTH=1',
]

/** Folders that hold only this script's output, so a .wasm there without a source is stale. */
const OUTPUT_DIRS = [
  'wasm/examples',
  'wasm/fixtures',
  'wasm/conformance',
  'guests/examples/c',
  'guests/examples/component',
]

interface Target {
  source: string
  /** Outputs relative to the output root; the first is compiled, the rest are copies. */
  outputs: string[]
}

async function cFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(packageRoot, dir), { withFileTypes: true }).catch(() => [])
  return entries.filter((e) => e.isFile() && e.name.endsWith('.c')).map((e) => `${dir}/${e.name}`)
}

async function targets(): Promise<Target[]> {
  const list: Target[] = []
  for (const source of await cFiles('guests/examples/c')) {
    const name = basename(source, '.c')
    list.push({ source, outputs: [`wasm/examples/${name}.wasm`, `guests/examples/c/${name}.wasm`] })
  }
  for (const source of await cFiles('guests/examples/component')) {
    const name = basename(source, '.c')
    list.push({
      source,
      outputs: [`wasm/examples/component-${name}.wasm`, `guests/examples/component/${name}.wasm`],
    })
  }
  for (const source of await cFiles('test/fixtures/component'))
    list.push({ source, outputs: [`wasm/fixtures/component-${basename(source, '.c')}.wasm`] })
  for (const source of await cFiles('test/fixtures/wasm'))
    list.push({ source, outputs: [`wasm/fixtures/${basename(source, '.c')}.wasm`] })
  const cases = await readdir(join(packageRoot, 'test/fixtures/conformance'), {
    withFileTypes: true,
  })
  for (const c of cases
    .filter((e) => e.isDirectory())
    .sort((a, b) => a.name.localeCompare(b.name))) {
    for (const file of await cFiles(`test/fixtures/conformance/${c.name}`)) {
      const variant = basename(file, '.c').replace(/^function/, '')
      list.push({ source: file, outputs: [`wasm/conformance/${c.name}${variant}.wasm`] })
    }
  }
  return list.sort((a, b) => a.source.localeCompare(b.source))
}

/** Test fixtures may import what the SDK's world does not (a socket, to be refused). */
function witFor(source: string): { dir: string; world: string } | undefined {
  if (!source.startsWith('test/fixtures/component/')) return undefined
  return { dir: join(packageRoot, 'test/fixtures/component/wit'), world: 'fixture' }
}

async function build(target: Target, outRoot: string, clang: string): Promise<void> {
  const input = join(packageRoot, target.source)
  const [first, ...copies] = target.outputs.map((o) => join(outRoot, o)) as [string, ...string[]]
  await mkdir(dirname(first), { recursive: true })
  if (EMSCRIPTEN.has(target.source)) {
    const args = [...EMCC_FLAGS, '-I', sdkDir(), input, join(sdkDir(), 'fnhost.c'), '-o', first]
    await run('emcc', args, { maxBuffer: 16 * 1024 * 1024 }).catch((e: { stderr?: string }) => {
      throw new Error(`emcc failed on ${target.source}:\n${e.stderr ?? String(e)}`)
    })
  } else {
    const abi = abiOf(await readFile(input, 'utf8'))
    const result =
      abi === 'wasi-http'
        ? await buildComponent(clang, input, first, witFor(target.source))
        : await compile(clang, clangArgs(abi, input, first))
    if (!result.ok) throw new Error(`clang failed on ${target.source}:\n${result.output}`)
    if (result.output) process.stderr.write(`${target.source}:\n${result.output}`)
  }
  for (const copy of copies) {
    await mkdir(dirname(copy), { recursive: true })
    await copyFile(first, copy)
  }
}

async function buildAll(outRoot: string): Promise<string[]> {
  const clang = findClang()
  const list = await targets()
  // Two at a time: the machines this runs on have two cores.
  const queue = [...list]
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) await build(t, outRoot, clang)
  }
  await Promise.all([worker(), worker()])
  return list.flatMap((t) => t.outputs)
}

async function check(): Promise<number> {
  const tmp = await mkdtemp(join(tmpdir(), 'fnhost-wasm-check-'))
  try {
    const outputs = await buildAll(tmp)
    const differing: string[] = []
    const built = new Set(outputs)
    for (const dir of OUTPUT_DIRS)
      for (const f of await readdir(join(packageRoot, dir)).catch(() => [] as string[]))
        if (f.endsWith('.wasm') && !built.has(`${dir}/${f}`))
          differing.push(`${dir}/${f} (no source)`)
    for (const rel of outputs) {
      const committed = await readFile(join(packageRoot, rel)).catch(() => undefined)
      const rebuilt = await readFile(join(tmp, rel))
      if (!committed || !committed.equals(rebuilt))
        differing.push(committed ? rel : `${rel} (missing)`)
    }
    if (differing.length > 0) {
      process.stderr.write(
        `these .wasm files differ from a fresh build; run scripts/build-wasm.sh and commit:\n  ${differing.join('\n  ')}\n`,
      )
      return 1
    }
    process.stdout.write(`${outputs.length} .wasm files match their sources\n`)
    return 0
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { check: { type: 'boolean' }, out: { type: 'string' } } })
  if (values.check) return check()
  const outRoot = values.out ?? packageRoot
  const outputs = await buildAll(outRoot)
  for (const rel of outputs)
    process.stdout.write(`built ${relative(packageRoot, join(outRoot, rel))}\n`)
  return 0
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`build-wasm: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exitCode = 1
  },
)
