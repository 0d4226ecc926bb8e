/*
 * The single binary's start-up code cache. V8 compiles a function the first time it runs; a SEA's
 * own code cache (useCodeCache) holds only a script's top level, while nearly all of a bundle's
 * code lives in functions (every module of an esbuild bundle is one). So the binary runs its CLI
 * bundle, and the pool worker's, as scripts compiled with a V8 code cache taken after a training
 * run of the binary (scripts/build-binary.ts): it serves a function once, then each script's
 * compiled code, the functions a start runs included, is written beside it as an asset. A cache
 * V8 refuses (another Node, other V8 flags) is ignored: the script compiles as it would without.
 */

/** The embedded bundles run this way, by asset key; each one's cache is `<key>.cache`. */
export const CACHED_BUNDLES = {
  main: 'cached/main.cjs',
  poolWorker: 'cached/pool-worker.cjs',
} as const

/** Where a thread's runner lends its import() to the bundle it runs (host/import-module.ts). */
export const RUNNER_IMPORT = Symbol.for('fnhost.runner-import')

/** Set to a folder, the binary writes the caches of its bundles there (the build's training run). */
export const TRAIN_ENV = 'FNHOST_TRAIN_CODE_CACHE'

/**
 * A pool worker writes its cache this long after it started: by then a training run has loaded and
 * served its function (a thread that is terminated runs no exit handler).
 */
export const TRAIN_WORKER_MS = 3_000

/**
 * The CommonJS source that runs the embedded bundle `key` (a CommonJS bundle) with its cache: the
 * binary's main script, and the code of a pool worker started with `eval: true`. In a worker the
 * bundle's require is made for the executable's path, as for every embedded thread, and the
 * runner lends the bundle its import() (host/import-module.ts): a SEA's main script has none.
 */
export function cachedBundleRunner(key: string, thread: boolean): string {
  const threadSetup = thread
    ? `globalThis[Symbol.for(${JSON.stringify(RUNNER_IMPORT.description)})] = (url) => import(url)
const own = require('node:module').createRequire(process.execPath)`
    : 'const own = require'
  const write = thread
    ? `setTimeout(write, ${TRAIN_WORKER_MS}).unref()`
    : `process.once('exit', write)`
  return `'use strict'
const { getAsset } = require('node:sea')
const vm = require('node:vm')
const key = ${JSON.stringify(key)}
const train = process.env.${TRAIN_ENV}
let cachedData
if (!train) {
  try {
    cachedData = new Uint8Array(getAsset(key + '.cache'))
  } catch {}
}
// The CLI bundle starts with its #! line, which only a file's first line may hold.
const source = Buffer.from(getAsset(key)).toString('utf8').replace(/^#!/, '//')
const script = new vm.Script(
  '(function (exports, require, module, __filename, __dirname) {' + source + '\\n})',
  { filename: key, cachedData },
)
if (train) {
  const write = () => {
    const { existsSync, mkdirSync, renameSync, writeFileSync } = require('node:fs')
    const { dirname, join } = require('node:path')
    const out = join(train, key + '.cache')
    if (existsSync(out)) return
    mkdirSync(dirname(out), { recursive: true })
    const tmp = out + '.' + require('node:worker_threads').threadId
    writeFileSync(tmp, script.createCachedData())
    renameSync(tmp, out)
  }
  ${write}
}
const bundle = { exports: {} }
${threadSetup}
script.runInThisContext().call(bundle.exports, bundle.exports, own, bundle, __filename, __dirname)
`
}
