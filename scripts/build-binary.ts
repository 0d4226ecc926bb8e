/**
 * Builds the single executable (Node's SEA flow) at dist/bin/fnhost-<os>-<arch>:
 *
 *   1. esbuild bundles the CLI (CommonJS: what a Node 20 SEA runs) and every thread entry (ES
 *      modules: they await at top level; started from data: URLs, see host/threads.ts);
 *   2. every file the host reads at run time becomes a SEA asset under its package-relative key
 *      (host/assets.ts reads them), with a manifest, since Node 20 cannot list assets;
 *   3. `node --experimental-sea-config` writes the blob, a copy of this node binary receives it
 *      through postject under the documented fuse.
 *
 *   npm run build:binary    (tsx scripts/build-binary.ts)
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'
import { JCO_PACKAGE, MANIFEST, QUICKJS_WASM } from '../host/assets.js'
import { THREAD_ENTRIES, threadAsset } from '../host/threads.js'
import { packageRoot } from '../host/paths.js'

const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
const out = join(packageRoot, 'dist', 'sea')
const binDir = join(packageRoot, 'dist', 'bin')
export const binaryName = `fnhost-${process.platform}-${process.arch}`

/**
 * Folders embedded whole: the guest prelude, the C SDK, the examples (`selftest`, `new`), the
 * dashboard's built files (host/ui/assets.ts).
 */
const ASSET_DIRS = ['guests/js', 'guests/c', 'guests/examples', 'dist/ui']

function filesUnder(dir: string): string[] {
  return readdirSync(join(packageRoot, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`
    if (e.isDirectory()) return filesUnder(rel)
    return e.isFile() ? [rel] : []
  })
}

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
const vendorAssets = new Map<string, string>()
/** Dependencies' own thread entries, by embedded thread name (host/threads.ts embeddedThread). */
const vendorThreads = new Map<string, string>()

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
const dependencyRewrites: Plugin = {
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

async function bundle(): Promise<void> {
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    // import.meta.resolve is reached only when running from source (host/threads.ts).
    logOverride: { 'empty-import-meta': 'silent' },
  } as const
  await build({
    ...common,
    entryPoints: [join(packageRoot, 'host/cli/main.ts')],
    outfile: join(out, 'main.cjs'),
    format: 'cjs',
    // Paths from import.meta.url are never taken in the binary (assets.ts answers instead); the
    // define keeps their module-level code from failing on an undefined url.
    define: { 'import.meta.url': '__fnhost_url' },
    banner: { js: 'const __fnhost_url=require("node:url").pathToFileURL(__filename).href;' },
    plugins: [dependencyRewrites],
  })
  // Every thread entry, each a self-contained ES module (they await at top level).
  const threads = (entries: Record<string, string>) =>
    build({
      ...common,
      entryPoints: entries,
      outdir: out,
      outExtension: { '.js': '.mjs' },
      format: 'esm',
      define: { 'import.meta.url': '__fnhost_url' },
      // CommonJS dependencies inside an ES module bundle still call require for built-ins.
      banner: {
        js:
          'import{createRequire as __cr}from"node:module";import{pathToFileURL as __pu}from"node:url";' +
          'const require=__cr(process.execPath),__fnhost_url=__pu(process.execPath).href;',
      },
      plugins: [dependencyRewrites],
    })
  await threads(
    Object.fromEntries(
      THREAD_ENTRIES.map((e) => [
        threadAsset(e).replace(/\.mjs$/, ''),
        join(packageRoot, `host/${e}.ts`),
      ]),
    ),
  )
  // Then the threads the dependencies in those bundles start (preview2-shim's I/O thread).
  const found = new Map(vendorThreads)
  await threads(Object.fromEntries([...found].map(([name, file]) => [`threads/${name}`, file])))
  if (vendorThreads.size !== found.size) throw new Error('a dependency thread starts another one')
  // A napi-rs addon's loader in a bundle fails where it is imported: stub it (NATIVE_STUBS).
  for (const file of filesUnder(relative(packageRoot, out)).filter((f) => /\.m?c?js$/.test(f)))
    if ((await readFile(join(packageRoot, file), 'utf8')).includes('NAPI_RS_NATIVE_LIBRARY_PATH'))
      throw new Error(`${file} loads a native addon, which the binary cannot`)
}

function assets(): Record<string, string> {
  const require = createRequire(import.meta.url)
  const map: Record<string, string> = {
    'package.json': join(packageRoot, 'package.json'),
    [QUICKJS_WASM]: require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'),
    ...Object.fromEntries(THREAD_ENTRIES.map((e) => [threadAsset(e), join(out, threadAsset(e))])),
    [JCO_PACKAGE]: fileURLToPath(
      new URL('../package.json', import.meta.resolve('@bytecodealliance/jco-transpile')),
    ),
    ...Object.fromEntries(vendorAssets),
  }
  for (const name of vendorThreads.keys())
    map[`threads/${name}.mjs`] = join(out, `threads/${name}.mjs`)
  for (const dir of ASSET_DIRS) for (const key of filesUnder(dir)) map[key] = join(packageRoot, key)
  const manifest = join(out, MANIFEST)
  writeFileSync(manifest, JSON.stringify(Object.keys(map)))
  map[MANIFEST] = manifest
  return map
}

async function main(): Promise<void> {
  const started = Date.now()
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out, { recursive: true })
  mkdirSync(binDir, { recursive: true })
  execFileSync(process.execPath, [join(packageRoot, 'scripts/build-ui.mjs')], { stdio: 'inherit' })
  await bundle()
  const blob = join(out, 'sea-prep.blob')
  const config = join(out, 'sea-config.json')
  writeFileSync(
    config,
    JSON.stringify({
      main: join(out, 'main.cjs'),
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: true,
      assets: assets(),
    }),
  )
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' })
  const binary = join(binDir, binaryName)
  rmSync(binary, { force: true })
  copyFileSync(process.execPath, binary)
  chmodSync(binary, 0o755)
  const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js')
  const args = [postject, binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE]
  if (process.platform === 'darwin') args.push('--macho-segment-name', 'NODE_SEA')
  const injected = spawnSync(process.execPath, args, { encoding: 'utf8' })
  // LIEF (inside postject) warns about each ELF note section it cannot name; the binary is fine.
  process.stderr.write(injected.stderr.replace(/^warning: Can't find string offset.*\n/gm, ''))
  if (injected.status !== 0) throw new Error(`postject failed with status ${injected.status}`)
  const mb = (statSync(binary).size / 2 ** 20).toFixed(1)
  const s = ((Date.now() - started) / 1000).toFixed(1)
  process.stdout.write(`built ${relative(process.cwd(), binary)} (${mb} MiB) in ${s} s\n`)
}

await main()
