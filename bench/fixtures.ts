import { build } from 'esbuild'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { packageRoot } from '../host/paths.js'

export const functionsDir = join(packageRoot, 'bench', 'functions')

export type Files = Record<string, string | Uint8Array>

export interface Workspace extends AsyncDisposable {
  readonly root: string
  /** A new functions folder under the workspace holding `files` (paths relative to it). */
  folder(name: string, files: Files): Promise<string>
}

export async function writeFiles(dir: string, files: Files): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true })
    await writeFile(join(dir, rel), content)
  }
}

/** Every scenario serves its own freshly written folder, so no run sees another's functions. */
export async function workspace(): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), 'fnhost-bench-'))
  return {
    root,
    async folder(name, files) {
      const dir = join(root, name)
      await mkdir(dir, { recursive: true })
      await writeFiles(dir, files)
      return dir
    },
    [Symbol.asyncDispose]: () => rm(root, { recursive: true, force: true }),
  }
}

export function benchFunction(file: string): Promise<string> {
  return readFile(join(functionsDir, file), 'utf8')
}

/** bench/functions/hono-app.js with Hono bundled in, as a user ships it: one file, no imports. */
export async function honoBundle(): Promise<string> {
  const out = await build({
    entryPoints: [join(functionsDir, 'hono-app.js')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  })
  return (out.outputFiles[0] as { text: string }).text
}

export class MissingArtifactError extends Error {
  override readonly name = 'MissingArtifactError'
}

/** The built C examples the wasm scenarios serve, and what each answers to a plain GET. */
export const EXAMPLE_WASM = {
  'wagi-c': { path: 'wasm/examples/hello.wasm', body: 'Hello from C!\n' },
  fnmicro: { path: 'wasm/examples/micro-hello.wasm', body: 'Hello from fnmicro!\n' },
  // The emscripten example counts the words of a POST body; a GET counts an empty one.
  emscripten: { path: 'wasm/examples/wordcount.wasm', body: '{"lines":0,"words":0,"bytes":0}' },
  // The same C wasi:http component twice: a fresh instance per request, and one shared instance.
  'component-c': {
    path: 'wasm/examples/component-hello.wasm',
    body: 'Hello, world! (component)',
  },
  'component-c-shared': {
    path: 'wasm/examples/component-hello.wasm',
    body: 'Hello, world! (component)',
  },
} as const

export type ExampleName = keyof typeof EXAMPLE_WASM

export async function exampleWasm(name: ExampleName): Promise<Uint8Array> {
  const { path } = EXAMPLE_WASM[name]
  if (!existsSync(join(packageRoot, path)))
    throw new MissingArtifactError(`${path} is missing: build the C examples first`)
  return new Uint8Array(await readFile(join(packageRoot, path)))
}
