import {
  build,
  transform,
  type BuildFailure,
  type BuildOptions,
  type Message,
  type Metafile,
  type Plugin,
} from 'esbuild'
import { extname, join, relative, sep } from 'node:path'
import { moduleKind } from '../sandbox/quickjs/source.js'
import { nodeBuiltins } from './builtins.js'
import { allowedRoots, isInside } from './roots.js'
import { BundleError, type Bundle, type BundleFormat } from './types.js'

const TS = new Set(['.ts', '.mts', '.cts'])

function formatOf(file: string, source: string): BundleFormat {
  const ext = extname(file)
  if (ext === '.cjs' || ext === '.cts') return 'cjs'
  if (ext === '.js') return moduleKind(file, source)
  return 'esm'
}

function describe(m: Message): string {
  const at = m.location
  const where = at ? `${at.file}:${at.line}:${at.column + 1}: ` : ''
  return `${where}${m.text}`
}

export function failureOf(e: unknown): BundleError {
  const errors = (e as Partial<BuildFailure>).errors
  if (!Array.isArray(errors) || errors.length === 0)
    return new BundleError(`bundling failed: ${(e as Error).message}`, { cause: e })
  const shown = errors.slice(0, 5).map(describe)
  if (errors.length > 5) shown.push(`... and ${errors.length - 5} more errors`)
  return new BundleError(shown.join('\n'))
}

/**
 * Every input must lie inside the functions folder or the project's node_modules (roots.ts).
 * `keep` picks the metafile's entries that are files (not the split build's stand-ins).
 */
export function checkInputs(
  dir: string,
  metafile: Metafile,
  keep: (path: string) => boolean = () => true,
): string[] {
  const roots = allowedRoots(dir)
  const inputs = Object.keys(metafile.inputs)
    .filter(keep)
    .map((p) => join(dir, p))
  for (const input of inputs) {
    if (roots.some((root) => isInside(root, input))) continue
    const importer = Object.entries(metafile.inputs).find(([, v]) =>
      v.imports.some((i) => join(dir, i.path) === input),
    )?.[0]
    const name = relative(dir, input).split(sep).join('/')
    throw new BundleError(
      `${importer ?? 'the function'} imports ${name}, which is outside the functions folder; imports must stay inside it (packages: a node_modules in the folder or in its project)`,
    )
  }
  return inputs
}

/** A function build that leaves some imports to other modules (split.ts). */
export interface BundleSplit {
  plugins?: Plugin[]
  /** Which metafile inputs are files (the others stand in for modules bundled elsewhere). */
  keep?: (path: string) => boolean
}

/** The options every build shares: browser/worker conditions, a syntax level QuickJS runs. */
export const SHARED_OPTIONS = {
  bundle: true,
  write: false,
  platform: 'browser',
  conditions: ['worker', 'browser'],
  target: 'es2022',
  sourcemap: 'external',
  sourcesContent: false,
  metafile: true,
  legalComments: 'none',
  // A quarter less text for esbuild to print and QuickJS to parse (a 514 KB bundle becomes
  // 401 KB, ~10 % off each); positions still map to the author's files through the source map.
  minifyWhitespace: true,
  charset: 'utf8',
  logLevel: 'silent',
} as const satisfies BuildOptions

/**
 * Bundles one function file with esbuild (its async API runs in esbuild's own service process, so
 * the event loop keeps serving). Browser/worker conditions, a syntax level QuickJS runs, JSON
 * imports, Node built-ins refused.
 */
export async function bundleFile(
  dir: string,
  file: string,
  source: string,
  split: BundleSplit = {},
): Promise<Bundle> {
  const format = formatOf(file, source)
  let result
  try {
    result = await build({
      entryPoints: [file],
      absWorkingDir: dir,
      outfile: join(dir, 'fnhost-bundle.js'),
      ...SHARED_OPTIONS,
      conditions: [...SHARED_OPTIONS.conditions],
      format,
      plugins: [nodeBuiltins, ...(split.plugins ?? [])],
    })
  } catch (e) {
    throw failureOf(e)
  }
  const inputs = checkInputs(dir, result.metafile, split.keep)
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'))
  if (!js || !map) throw new BundleError('bundling produced no output')
  // Only the config lookup reads the entry as JavaScript: skip stripping types when it has none.
  const entry =
    TS.has(extname(file)) && /\bconfig\b/.test(source)
      ? (await transform(source, { loader: 'ts', sourcefile: relative(dir, file) })).code
      : source
  return { code: js.contents, map: map.text, format, entry, inputs }
}
