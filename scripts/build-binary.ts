/**
 * Builds the single executable (Node's SEA flow) at dist/bin/fnhost-<os>-<arch>:
 *
 *   1. esbuild bundles the CLI and the pool worker as CommonJS scripts (the binary runs them with
 *      a V8 code cache, host/code-cache.ts; its SEA main is the small script that does so), and
 *      every other thread entry as an ES module (they await at top level; see host/threads.ts);
 *   2. every file the host reads at run time becomes a SEA asset under its package-relative key
 *      (host/assets.ts reads them), with a manifest, since Node 20 cannot list assets; so do the
 *      files dependencies load from their own folder (jco-transpile's core modules, preview2-shim's
 *      I/O thread: scripts/binary-dependencies.ts rewrites those loads), and the image of a
 *      QuickJS engine with the prelude compiled that its engines start from
 *      (host/sandbox/quickjs/image.ts);
 *   3. `node --experimental-sea-config` writes the blob, a copy of this node binary receives it
 *      through postject under the documented fuse;
 *   4. that binary's training run (scripts/train-code-cache.ts) writes the two bundles' code
 *      caches, and steps 2-3 run again with them embedded.
 *
 *   npm run build:binary    (tsx scripts/build-binary.ts)
 */
import { execFileSync, spawnSync } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs'
import { writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { JCO_PACKAGE, MANIFEST, QUICKJS_WASM } from '../host/assets.js'
import { THREAD_ENTRIES, threadAsset } from '../host/threads.js'
import { CACHED_BUNDLES, mainRunner } from '../host/code-cache.js'
import { packageRoot } from '../host/paths.js'
import { ENGINE_IMAGE, makeEngineImage } from '../host/sandbox/quickjs/image.js'
import { dependencyRewrites, vendorAssets, vendorThreads } from './binary-dependencies.js'
import { trainCodeCache } from './train-code-cache.js'

const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
const out = join(packageRoot, 'dist', 'sea')
const binDir = join(packageRoot, 'dist', 'bin')
export const binaryName = `fnhost-${process.platform}-${process.arch}`

/**
 * Folders embedded whole: the guest prelude, the C SDK, the examples (`selftest`, `new`), the
 * dashboard's built files (host/ui/assets.ts).
 */
const ASSET_DIRS = ['guests/js', 'guests/c', 'guests/examples', 'dist/ui']

/** Thread entries run as ES modules from their embedded files (host/threads.ts embeddedThread). */
const ESM_THREADS = THREAD_ENTRIES.filter((e) => e !== 'pool/worker')

function filesUnder(dir: string): string[] {
  return readdirSync(join(packageRoot, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`
    if (e.isDirectory()) return filesUnder(rel)
    return e.isFile() ? [rel] : []
  })
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
  // The CLI and the pool worker: CommonJS bundles, run with their code cache (host/code-cache.ts).
  const cached = (entry: string, outfile: string, path: string) =>
    build({
      ...common,
      entryPoints: [join(packageRoot, `host/${entry}.ts`)],
      outfile: join(out, outfile),
      format: 'cjs',
      // Paths from import.meta.url are never taken in the binary (assets.ts answers instead); the
      // define keeps their module-level code from failing on an undefined url.
      define: { 'import.meta.url': '__fnhost_url' },
      banner: { js: `const __fnhost_url=require("node:url").pathToFileURL(${path}).href;` },
      plugins: [dependencyRewrites],
    })
  await cached('cli/main', CACHED_BUNDLES.main, '__filename')
  await cached('cli/serve-early', CACHED_BUNDLES.serveEarly, '__filename')
  await cached('pool/worker', CACHED_BUNDLES.poolWorker, 'process.execPath')
  writeFileSync(join(out, 'main.cjs'), mainRunner())
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
      ESM_THREADS.map((e) => [
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
    [ENGINE_IMAGE]: join(out, ENGINE_IMAGE),
    ...Object.fromEntries(ESM_THREADS.map((e) => [threadAsset(e), join(out, threadAsset(e))])),
    [JCO_PACKAGE]: fileURLToPath(
      new URL('../package.json', import.meta.resolve('@bytecodealliance/jco-transpile')),
    ),
    ...Object.fromEntries(vendorAssets),
  }
  // With their caches once the training run has written them (main below).
  for (const key of Object.values(CACHED_BUNDLES)) {
    map[key] = join(out, key)
    if (existsSync(join(out, `${key}.cache`))) map[`${key}.cache`] = join(out, `${key}.cache`)
  }
  for (const name of vendorThreads.keys())
    map[`threads/${name}.mjs`] = join(out, `threads/${name}.mjs`)
  for (const dir of ASSET_DIRS) for (const key of filesUnder(dir)) map[key] = join(packageRoot, key)
  const manifest = join(out, MANIFEST)
  writeFileSync(manifest, JSON.stringify(Object.keys(map)))
  map[MANIFEST] = manifest
  return map
}

/** Writes the SEA blob of the bundles and assets as they are now into a fresh copy of node. */
function inject(binary: string): void {
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
}

async function main(): Promise<void> {
  const started = Date.now()
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out, { recursive: true })
  mkdirSync(binDir, { recursive: true })
  execFileSync(process.execPath, [join(packageRoot, 'scripts/build-ui.mjs')], { stdio: 'inherit' })
  await bundle()
  writeFileSync(join(out, ENGINE_IMAGE), await makeEngineImage())
  const binary = join(binDir, binaryName)
  // Built twice: the first binary's training run writes the code caches the second one embeds.
  inject(binary)
  await trainCodeCache(binary, out)
  inject(binary)
  const mb = (statSync(binary).size / 2 ** 20).toFixed(1)
  const s = ((Date.now() - started) / 1000).toFixed(1)
  process.stdout.write(`built ${relative(process.cwd(), binary)} (${mb} MiB) in ${s} s\n`)
}

await main()
