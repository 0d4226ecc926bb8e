import { existsSync, readFileSync } from 'node:fs'
import { dirname, extname, join, relative, sep } from 'node:path'
import type { Plugin } from 'esbuild'
import { bundleFile } from './bundle.js'
import { SKIP } from './builtins.js'
import { VENDOR_GLOBAL, type Bundle, type ModuleFormat } from './types.js'
import { remember, resolvedBefore } from './resolved.js'
import { fresh, knownFormats, vendorFor } from './vendor.js'
import { phaseMark } from '../observe/phase-marks.js'

/** Stand-ins for vendored modules: `<namespace>:<path relative to the folder>`. */
const VENDORED = 'fnhost-vendor'
/** The stand-in of an ESM package imported from a module with Node-style interop (see standIn). */
const VENDORED_ESM = 'fnhost-vendor-esm'

const call = (key: string) => `globalThis.${VENDOR_GLOBAL}(${JSON.stringify(key)})`

/**
 * The module standing in for a vendored one: its `module.exports` (an ESM package's namespace
 * comes marked `__esModule`), so esbuild's interop treats it as it would the package itself.
 * Except where the importer is Node-style (`.mjs`, `.mts`, or a `"type": "module"` package),
 * whose interop makes a CommonJS module's default export the whole namespace: there an ESM
 * package's stand-in is an ESM module re-exporting the CommonJS one's names (esbuild reads them
 * off the namespace at run time) with the package's own default export.
 */
function standIn(namespace: string, key: string): string {
  if (namespace === VENDORED) return `module.exports = ${call(key)}\n`
  return `export * from ${JSON.stringify(`${VENDORED}:${key}`)}\nexport default ${call(key)}.default\n`
}

const isVendored = (path: string) => path.split(sep).includes('node_modules')

/** Whether esbuild gives `importer` Node's interop for default imports of CommonJS. */
function nodeStyle(importer: string): boolean {
  const ext = extname(importer)
  if (ext === '.mjs' || ext === '.mts') return true
  if (ext === '.cjs' || ext === '.cts') return false
  for (let at = dirname(importer); ;) {
    const manifest = join(at, 'package.json')
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type === 'module'
      } catch {
        return false
      }
    }
    const up = dirname(at)
    if (up === at) return false
    at = up
  }
}

/**
 * Leaves every import esbuild resolves into a node_modules folder to the vendor bundle: the
 * function's build gets a stand-in module instead, and `vendored` collects the resolved paths
 * (relative to `dir`). `formats`: how each vendored module is written, as far as known.
 */
function vendorPlugin(
  dir: string,
  formats: ReadonlyMap<string, ModuleFormat>,
  vendored: Set<string>,
): Plugin {
  return {
    name: 'fnhost-vendor',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === SKIP) return undefined
        if (args.namespace === VENDORED_ESM && args.path.startsWith(`${VENDORED}:`))
          return { path: args.path.slice(VENDORED.length + 1), namespace: VENDORED }
        if (args.namespace !== 'file') return undefined
        const found =
          resolvedBefore(args.resolveDir, args.path, args.kind) ??
          (await build.resolve(args.path, {
            kind: args.kind,
            importer: args.importer,
            resolveDir: args.resolveDir,
            pluginData: SKIP,
          }))
        if ('errors' in found) {
          if (found.errors.length || found.external || found.namespace !== 'file') return undefined
          if (!isVendored(found.path)) return { path: found.path, sideEffects: found.sideEffects }
          remember(args.resolveDir, args.path, args.kind, found)
        }
        const key = relative(dir, found.path).split(sep).join('/')
        vendored.add(key)
        const esm = formats.get(key) === 'esm' && !args.kind.startsWith('require')
        const namespace = esm && nodeStyle(args.importer) ? VENDORED_ESM : VENDORED
        // A package that declares no side effects is left out when nothing of it is used, as
        // esbuild would leave it out of a bundle of its own.
        return { path: key, namespace, sideEffects: found.sideEffects }
      })
      for (const namespace of [VENDORED, VENDORED_ESM])
        build.onLoad({ filter: /.*/, namespace }, (args) => ({
          contents: standIn(namespace, args.path),
          loader: 'js',
        }))
    },
  }
}

const keepFiles = (path: string) =>
  !path.startsWith(`${VENDORED}:`) && !path.startsWith(`${VENDORED_ESM}:`)

async function buildSplit(
  dir: string,
  file: string,
  source: string,
  formats: ReadonlyMap<string, ModuleFormat>,
) {
  const vendored = new Set<string>()
  const plugins = [vendorPlugin(dir, formats, vendored)]
  const bundle = await bundleFile(dir, file, source, { plugins, keep: keepFiles })
  return { bundle, vendored: [...vendored] }
}

/** A split build, and what the bundle cache needs to tell when it no longer holds. */
export interface SplitBundle {
  bundle: Bundle
  /** The function's own inputs (the vendor bundle's files are followed by `vendorFresh`). */
  ownInputs?: string[]
  /** Whether none of the vendor bundle's files changed since it was built. */
  vendorFresh?: () => Promise<boolean>
}

/**
 * Bundles a function apart from the packages it imports, which go to the vendor bundle of that
 * set of packages (vendor.ts, built here the first time). Undefined when the vendor bundle
 * cannot be built: the caller bundles the function whole, as before.
 */
export async function bundleSplit(
  dir: string,
  file: string,
  source: string,
): Promise<SplitBundle | undefined> {
  const guess = new Map(knownFormats(dir))
  const first = await buildSplit(dir, file, source, guess)
  phaseMark('bt:split-built')
  if (first.vendored.length === 0) return { bundle: first.bundle }
  const vendor = await vendorFor(dir, first.vendored)
  phaseMark('bt:vendor-ready')
  if (!vendor) return undefined
  const { bundle } = first.vendored.every((k) => (guess.get(k) ?? 'cjs') === vendor.modules.get(k))
    ? first
    : await buildSplit(dir, file, source, vendor.modules)
  const { digest, code, map } = vendor
  return {
    bundle: {
      ...bundle,
      inputs: [...new Set([...bundle.inputs, ...vendor.inputs])],
      vendor: { digest, code, map },
    },
    ownInputs: bundle.inputs,
    vendorFresh: async () => fresh(vendor),
  }
}
