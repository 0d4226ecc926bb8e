import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { abiOf, clangArgs, compile, findClang, type CAbi } from './clang.js'
import { buildComponent } from './component.js'

export interface BuiltHandler {
  source: string
  output: string
  abi: CAbi
  ok: boolean
  /** Compiler diagnostics (warnings on success, errors on failure). */
  diagnostics: string
  bytes?: number
}

/** C handlers under `dir`: every .c file, skipping names that start with '_' or '.' and node_modules, as the registry does. */
export async function findHandlers(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.c'))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) =>
      relative(dir, f)
        .split(/[\\/]/)
        .every((part) => !part.startsWith('_') && !part.startsWith('.') && part !== 'node_modules'),
    )
    .sort()
}

/** Compiles each handler to `<name>.wasm` beside it, two at a time; throws ToolchainMissingError first if clang is absent. */
export async function buildHandlers(
  files: string[],
  onDone?: (b: BuiltHandler) => void,
  /** Build every handler as this ABI instead of detecting it (`fnhost build --component`). */
  force?: CAbi,
): Promise<BuiltHandler[]> {
  const clang = findClang()
  const queue = [...files]
  const results: BuiltHandler[] = []
  const worker = async () => {
    for (let source = queue.shift(); source; source = queue.shift()) {
      const output = source.slice(0, -2) + '.wasm'
      const abi = force ?? abiOf(await readFile(source, 'utf8'))
      const result =
        abi === 'wasi-http'
          ? await buildComponent(clang, source, output)
          : await compile(clang, clangArgs(abi, source, output))
      const built: BuiltHandler = { source, output, abi, ok: result.ok, diagnostics: result.output }
      if (result.ok) built.bytes = (await stat(output)).size
      results.push(built)
      onDone?.(built)
    }
  }
  await Promise.all([worker(), worker()])
  return results.sort((a, b) => a.source.localeCompare(b.source))
}
