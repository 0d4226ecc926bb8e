/**
 * What scripts/build-binary.ts does to the dependencies it bundles so they run inside the single
 * executable, where there is no node_modules folder and no loader for dynamic import().
 */
import { readFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import type { Plugin } from 'esbuild'
import { packageRoot } from '../host/paths.js'

/**
 * A dynamic import() has no loader behind it inside a SEA ("A dynamic import callback was not
 * specified"), in its workers too; QuickJS's emscripten glue imports node:module that way.
 * Both bundles load QuickJS: the main thread checks syntax at scan time.
 */
function builtinImports(text: string): string {
  if (!text.includes('import("node:')) return text
  // process.getBuiltinModule, not require: the glue declares its own `var require`.
  return text.replace(
    /\bimport\("(node:[a-z_/]+)"\)/g,
    'Promise.resolve(process.getBuiltinModule("$1"))',
  )
}

/** Dependency files the bundles load at run time, by asset key: found by embedOwnFiles below. */
export const vendorAssets = new Map<string, string>()
/** Dependencies' own thread entries, by embedded thread name (host/threads.ts embeddedThread). */
export const vendorThreads = new Map<string, string>()

/** `new URL('./file', import.meta.url)`: a file next to the module, read or started at run time. */
const OWN_FILE = /new URL\(\s*(['"])\.\/([\w.-]+)\1\s*,\s*import\.meta\.url\s*\)/g

/**
 * A dependency that reads a file next to its own module finds nothing in the binary (its
 * import.meta.url is the executable's). jco-transpile compiles its tools' core modules that way
 * (`fetchCompile(new URL('./wasm-tools.core.wasm', import.meta.url))`), preview2-shim starts its
 * I/O thread so (`new Worker(new URL('./worker-thread.bundle.js', import.meta.url))`). Each such
 * file becomes an asset (a core module compiled from the embedded bytes) or an embedded thread
 * (bundled like the host's, started through embeddedThread); any other use fails the build.
 */
function embedOwnFiles(path: string, text: string): string {
  if (!text.includes('import.meta.url') || !new RegExp(OWN_FILE.source).test(text)) return text
  const dir = dirname(path)
  const fileIn = (url: string) => [...url.matchAll(OWN_FILE)][0]?.[2]
  const vendorKey = (file: string) =>
    'vendor/' + relative(join(packageRoot, 'node_modules'), join(dir, file))
  const imports = new Set<string>()
  let contents = text.replace(/fetchCompile\(\s*(new URL\([^)]*\))\s*\)/g, (whole, url: string) => {
    const file = fileIn(url)
    if (!file?.endsWith('.wasm')) return whole
    const key = vendorKey(file)
    vendorAssets.set(key, join(dir, file))
    imports.add(`import{readAsset as __fnhost_asset}from${JSON.stringify(ASSETS_MODULE)};`)
    return `WebAssembly.compile(__fnhost_asset(${JSON.stringify(key)}))`
  })
  contents = contents.replace(/new Worker\(\s*(new URL\([^)]*\))/g, (whole, url: string) => {
    const file = fileIn(url)
    if (!file || !/\.m?js$/.test(file)) return whole
    const name = vendorKey(file).replace(/\.m?js$/, '')
    vendorThreads.set(name, join(dir, file))
    imports.add(`import{embeddedThread as __fnhost_thread}from${JSON.stringify(THREADS_MODULE)};`)
    return `new Worker(__fnhost_thread(${JSON.stringify(name)})`
  })
  const left = [...contents.matchAll(OWN_FILE)].map((m) => m[2])
  if (left.length) throw new Error(`${path} loads ${left.join(', ')} from its own folder`)
  return [...imports].join('') + contents
}
const ASSETS_MODULE = join(packageRoot, 'host/assets.ts')
const THREADS_MODULE = join(packageRoot, 'host/threads.ts')

/**
 * Native addons a dependency loads when imported, which a SEA cannot load from its assets:
 * jco-transpile imports oxc-minify (a napi-rs addon) for its `minify` option, which the host never
 * sets (TRANSPILE_OPTIONS), so the binary has a module that says so instead.
 */
const NATIVE_STUBS: Record<string, string> = {
  'oxc-minify':
    'export function minify(){throw new Error("oxc-minify is not in the fnhost binary (jco minify option)")}',
}

/** Both rewrites above, on every dependency module the bundles take in, and NATIVE_STUBS. */
export const dependencyRewrites: Plugin = {
  name: 'dependency-rewrites',
  setup(b) {
    const stubs = new RegExp(`^(${Object.keys(NATIVE_STUBS).join('|')})$`)
    b.onResolve({ filter: stubs }, (args) => ({ path: args.path, namespace: 'native-stub' }))
    b.onLoad({ filter: /.*/, namespace: 'native-stub' }, (args) => ({
      contents: NATIVE_STUBS[args.path],
      loader: 'js',
    }))
    b.onLoad({ filter: /node_modules.*\.m?js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8')
      const contents = embedOwnFiles(args.path, builtinImports(text))
      return contents === text ? undefined : { contents, loader: 'js' }
    })
  },
}
