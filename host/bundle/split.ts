import { relative, sep } from 'node:path'
import type { Plugin } from 'esbuild'
import { bundleFile } from './bundle.js'
import { SKIP } from './builtins.js'
import { VENDOR_GLOBAL, type Bundle, type ModuleFormat } from './types.js'
import { knownFormats, vendorFor } from './vendor.js'

/** Stand-ins for vendored modules: `<namespace>:<path relative to the folder>`. */
const VENDORED = 'fnhost-vendor'
/** The CommonJS stand-in an ESM one re-exports its names from. */
const VENDORED_CJS = 'fnhost-vendor-cjs'

const call = (key: string) => `globalThis.${VENDOR_GLOBAL}(${JSON.stringify(key)})`

/**
 * The module standing in for a vendored one. CommonJS: its `module.exports`, so esbuild's interop
 * treats it as it would the package itself. ESM: its names re-exported from a CommonJS stand-in
 * (esbuild reads unknown names off the namespace at run time) and its default export taken apart,
 * which a `.mjs` importer's Node-style interop would otherwise replace by the whole namespace.
 */
function standIn(namespace: string, key: string, format: ModuleFormat | undefined): string {
  if (namespace === VENDORED_CJS || format !== 'esm') return `module.exports = ${call(key)}\n`
  return `export * from ${JSON.stringify(`${VENDORED_CJS}:${key}`)}\nexport default ${call(key)}.default\n`
}

const isVendored = (path: string) => path.split(sep).includes('node_modules')

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
        if (args.namespace === VENDORED && args.path.startsWith(`${VENDORED_CJS}:`))
          return { path: args.path.slice(VENDORED_CJS.length + 1), namespace: VENDORED_CJS }
        if (args.namespace !== 'file') return undefined
        const found = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: SKIP,
        })
        if (found.errors.length || found.external || found.namespace !== 'file') return undefined
        if (!isVendored(found.path)) return { path: found.path, sideEffects: found.sideEffects }
        const key = relative(dir, found.path).split(sep).join('/')
        vendored.add(key)
        // A package that declares no side effects is left out when nothing of it is used, as
        // esbuild would leave it out of a bundle of its own.
        return { path: key, namespace: VENDORED, sideEffects: found.sideEffects }
      })
      build.onLoad({ filter: /.*/, namespace: VENDORED }, (args) => ({
        contents: standIn(VENDORED, args.path, formats.get(args.path)),
        loader: 'js',
      }))
      build.onLoad({ filter: /.*/, namespace: VENDORED_CJS }, (args) => ({
        contents: standIn(VENDORED_CJS, args.path, 'cjs'),
        loader: 'js',
      }))
    },
  }
}

const keepFiles = (path: string) =>
  !path.startsWith(`${VENDORED}:`) && !path.startsWith(`${VENDORED_CJS}:`)

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

/**
 * Bundles a function apart from the packages it imports, which go to the vendor bundle of that
 * set of packages (vendor.ts, built here the first time). Undefined when the vendor bundle
 * cannot be built: the caller bundles the function whole, as before.
 */
export async function bundleSplit(
  dir: string,
  file: string,
  source: string,
): Promise<Bundle | undefined> {
  const guess = new Map(knownFormats(dir))
  const first = await buildSplit(dir, file, source, guess)
  if (first.vendored.length === 0) return first.bundle
  const vendor = await vendorFor(dir, first.vendored)
  if (!vendor) return undefined
  const { bundle } = first.vendored.every((k) => (guess.get(k) ?? 'cjs') === vendor.modules.get(k))
    ? first
    : await buildSplit(dir, file, source, vendor.modules)
  const { digest, code, map } = vendor
  return {
    ...bundle,
    inputs: [...new Set([...bundle.inputs, ...vendor.inputs])],
    vendor: { digest, code, map },
  }
}
