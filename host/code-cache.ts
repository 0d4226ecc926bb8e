import { QUICKJS_WASM } from './assets.js'

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
  /** host/cli/serve-early.ts alone: `serve` starts its first worker before the CLI loads. */
  serveEarly: 'cached/serve-early.cjs',
} as const

/** Where a thread's runner lends its import() to the bundle it runs (host/import-module.ts). */
export const RUNNER_IMPORT = Symbol.for('fnhost.runner-import')

/**
 * Where a pool worker's runner leaves the QuickJS engine's compilation, started before the
 * worker's bundle loads (host/sandbox/quickjs/wasm.ts takes it): V8 compiles it on background
 * threads while the bundle loads, and the thread's first engine does not wait for it.
 */
export const RUNNER_ENGINE_COMPILE = Symbol.for('fnhost.runner-engine-compile')

/** Set to a folder, the binary writes the caches of its bundles there (the build's training run). */
export const TRAIN_ENV = 'FNHOST_TRAIN_CODE_CACHE'

/**
 * A pool worker writes its cache this long after it started: by then a training run has loaded and
 * served its function (a thread that is terminated runs no exit handler).
 */
export const TRAIN_WORKER_MS = 3_000

/**
 * Source of `run(key, require)`: runs the embedded CommonJS bundle `key` with its cache, if the
 * binary has one, and returns its exports; in a training run it writes the cache instead (a
 * thread some time after it started, the main thread as it exits).
 */
function runFunction(thread: boolean): string {
  const write = thread
    ? `setTimeout(write, ${TRAIN_WORKER_MS}).unref()`
    : `process.once('exit', write)`
  return `function run(key, own) {
  // Views of the executable's own bytes, not copies (V8 and the decoder only read them).
  const { getRawAsset: getAsset } = require('node:sea')
  const vm = require('node:vm')
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
  script.runInThisContext().call(bundle.exports, bundle.exports, own, bundle, __filename, __dirname)
  return bundle.exports
}
`
}

/**
 * The binary's main script (scripts/build-binary.ts): the CLI bundle, run with its cache. For
 * `fnhost serve` (not its --help, as cli/main.ts decides) the first pool worker starts before,
 * from a bundle of serve-early.ts alone: the thread boots while the CLI's bundle loads.
 */
export function mainRunner(): string {
  return `'use strict'
${runFunction(false)}
const args = process.argv.slice(2)
if (args[0] === 'serve' && !args.includes('--help') && !args.includes('-h'))
  run(${JSON.stringify(CACHED_BUNDLES.serveEarly)}, require).startEarly()
run(${JSON.stringify(CACHED_BUNDLES.main)}, require)
`
}

/**
 * The code of a pool worker thread, started with `eval: true` (host/threads.ts). Its bundle's
 * require is made for the executable's path, as for every embedded thread, and the runner lends
 * the bundle its import() (host/import-module.ts), which code read from a cache lacks.
 */
export function workerRunner(): string {
  return `'use strict'
try {
  const compiling = WebAssembly.compile(require('node:sea').getRawAsset(${JSON.stringify(QUICKJS_WASM)}))
  // A failure is met again, and reported, where the engine is first made.
  compiling.catch(() => {})
  globalThis[Symbol.for(${JSON.stringify(RUNNER_ENGINE_COMPILE.description)})] = compiling
} catch {}
${runFunction(true)}
globalThis[Symbol.for(${JSON.stringify(RUNNER_IMPORT.description)})] = (url) => import(url)
run(${JSON.stringify(CACHED_BUNDLES.poolWorker)}, require('node:module').createRequire(process.execPath))
`
}
