import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { isMainThread, Worker, type WorkerOptions } from 'node:worker_threads'
import { assetDir, inBinary, packageRootDir, readAsset } from './assets.js'
import { workerRunner } from './code-cache.js'

/*
 * Every thread the host starts (pool workers, the scanner, the bundler, component transpiles and
 * fetches, blocking KV calls) starts here. In the single binary its entry is an embedded bundle;
 * from dist/ (the npm package), the compiled .js. Running from source (tsx, vitest), a thread
 * would otherwise register tsx and type-strip every module it imports on its own, on every start
 * (~400 ms for a pool worker here): instead the thread entries are bundled once into a cache
 * folder keyed by the sources' sizes and times and the install (each entry one file with its
 * dependencies, so a thread reads one file, not ~150), and threads start from that copy.
 */

/** Where transpiled copies of host/ live, one folder per version of the sources. */
const MIRRORS = 'node_modules/.cache/fnhost/host-mirror'
/** Where driver modules of one's own (a test's TypeScript) are bundled to run in threads. */
const MODULES = 'node_modules/.cache/fnhost/driver-modules'
/** Copies older than this are removed when a new one is made (a long-running dev host may use one). */
const MIRROR_KEEP_MS = 24 * 3600_000
const COMPLETE = '.complete'

let mirror: string | undefined

function sourcesOf(hostDir: string): string[] {
  return readdirSync(hostDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()
}

function prune(parent: string, keep: string): void {
  for (const name of readdirSync(parent)) {
    const path = join(parent, name)
    if (path === keep) continue
    try {
      if (Date.now() - statSync(path).mtimeMs > MIRROR_KEEP_MS) rmSync(path, { recursive: true })
    } catch {
      // Another process removed it first.
    }
  }
}

/**
 * Dependencies a bundle of host code leaves to Node's own loading (dist's bundles and the
 * transpiled copy alike): a native addon (better-sqlite3), packages that find files or binaries
 * beside their own code (esbuild, jco-transpile's wasm), and tsx (tests only). Every other
 * dependency is bundled: Node then reads one file where it read dozens (zod alone is ~70).
 */
export const BUNDLE_EXTERNAL = [
  'better-sqlite3',
  'esbuild',
  '@bytecodealliance/jco-transpile',
  '@bytecodealliance/jco-transpile/*',
  'tsx',
  'tsx/*',
]

/** The transpiled copy of host/ for the sources as they are now, made if missing. */
function mirrorDir(): string {
  if (mirror) return mirror
  const root = packageRootDir()
  const hostDir = join(root, 'host')
  const files = sourcesOf(hostDir)
  const hash = createHash('sha256')
  for (const f of files) {
    const s = statSync(join(hostDir, f))
    hash.update(`${f}\0${s.size}\0${s.mtimeMs}\0`)
  }
  // The copy bundles the dependencies too: a changed install is a new copy.
  for (const f of ['package-lock.json', 'node_modules/.package-lock.json']) {
    const s = statSync(join(root, f), { throwIfNoEntry: false })
    hash.update(`${f}\0${s?.size}\0${s?.mtimeMs}\0`)
  }
  const parent = join(root, MIRRORS)
  const dir = join(parent, hash.digest('hex').slice(0, 16))
  if (!existsSync(join(dir, COMPLETE))) {
    // Built aside and renamed into place: test files start hosts in parallel processes.
    const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
    mkdirSync(tmp, { recursive: true })
    // esbuild is a dependency (functions are bundled with it); required here, synchronously,
    // because a thread is started synchronously.
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild')
    const build = (entries: readonly string[], splitting: boolean) =>
      esbuild.buildSync({
        entryPoints: Object.fromEntries(
          entries.map((e) => [`host/${e}`, join(hostDir, `${e}.ts`)]),
        ),
        outdir: tmp,
        bundle: true,
        splitting,
        chunkNames: 'host/chunks/[name]-[hash]',
        external: BUNDLE_EXTERNAL,
        // CommonJS dependencies inside an ES module bundle still call require (for built-ins).
        banner: {
          js: "import { createRequire as __fnhostRequire } from 'node:module'; const require = __fnhostRequire(import.meta.url);",
        },
        // Modules locate the package (assets.ts) and thread entries (threadEntry) from their own
        // URL: in a bundle every module keeps the URL threads.ts has in the copy once in place.
        define: {
          'import.meta.url': JSON.stringify(pathToFileURL(join(dir, 'host/threads.js')).href),
        },
        format: 'esm',
        platform: 'node',
        target: 'node20',
        logLevel: 'silent',
      })
    // A thread entry is one file, as in dist/ (a thread links one module, not dozens of chunks);
    // the CLI keeps its commands in chunks, loaded by the command that runs.
    build(THREAD_ENTRIES, false)
    build([CLI], true)
    writeFileSync(join(tmp, COMPLETE), '')
    try {
      renameSync(tmp, dir)
    } catch {
      // Another process made the same copy first: use it.
      rmSync(tmp, { recursive: true, force: true })
    }
    prune(parent, dir)
  }
  return (mirror = dir)
}

const runnable = new Map<string, string | undefined>()

/**
 * A driver module (`DriverOptions.modules`) as a thread can import it: a TypeScript module, when
 * running from source, bundled on its own into the cache (once per process: cheap, never stale).
 * undefined when it imports host/ at run time: those modules must be the thread's own instances
 * (errors are told apart by class), so such a thread runs under tsx from the sources instead.
 */
export function runnableModule(url: string): string | undefined {
  if (!url.startsWith('file:') || !url.endsWith('.ts') || !import.meta.url.endsWith('.ts'))
    return url
  if (runnable.has(url)) return runnable.get(url)
  const root = packageRootDir()
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild')
  const result = esbuild.buildSync({
    entryPoints: [fileURLToPath(url)],
    absWorkingDir: root,
    bundle: true,
    packages: 'external',
    // Files beside the module (a loader hook, a fixture) are found from its own URL, as under tsx.
    define: { 'import.meta.url': JSON.stringify(url) },
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  let out: string | undefined
  if (!Object.keys(result.metafile.inputs).some((input) => input.startsWith('host/'))) {
    const code = (result.outputFiles[0] as { contents: Uint8Array }).contents
    const dir = join(root, MODULES)
    const file = join(dir, `${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`)
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true })
      // Written aside and renamed into place: test files start workers in parallel processes.
      const tmp = `${file}.tmp-${process.pid}`
      writeFileSync(tmp, code)
      renameSync(tmp, file)
    }
    out = pathToFileURL(file).href
  }
  runnable.set(url, out)
  return out
}

/** Every thread entry, by its path under host/ without extension (the binary embeds each one). */
export const THREAD_ENTRIES = [
  'pool/worker',
  'bundle/worker',
  'kv/blocking-worker',
  'sandbox/component/fetch-thread',
  'sandbox/component/transpile-thread',
] as const
export type ThreadEntry = (typeof THREAD_ENTRIES)[number]

/** The asset key under which the single binary embeds a thread entry (scripts/build-binary.ts). */
export const threadAsset = (entry: ThreadEntry) => `threads/${entry}.mjs`

/** Bundled into the copy with the thread entries: tests spawn the CLI from it (see sourceCli). */
const CLI = 'cli/main'

/**
 * The CLI bundled from the sources as they are now, to run with plain `node`: what tests spawn
 * (as `fnhost` runs from dist/), instead of type-stripping all of host/ under tsx on every start.
 */
export function sourceCli(): string {
  return join(mirrorDir(), 'host', `${CLI}.js`)
}

const embedded = new Map<string, URL>()

/**
 * The URL of a thread bundle the binary embeds under `threads/<name>.mjs`: a host entry, or a
 * dependency's own thread (scripts/build-binary.ts rewrites the dependency's `new URL(...)` into a
 * call to this).
 */
export function embeddedThread(name: string): URL {
  // The main thread writes the binary's entries once per process into a private temporary
  // folder, removed at exit: a thread reads and compiles its bundle from a file faster than
  // from a data: URL of its base64 (a pool worker's start is on the way to a starting host's
  // first answer). A worker thread (one that starts a fetch or KV thread) keeps to data: URLs:
  // a copy of its own could outlive a worker that is terminated.
  if (isMainThread) return pathToFileURL(join(assetDir('threads'), `${name}.mjs`))
  let url = embedded.get(name)
  // An ES module (entries await at top level), so a data: URL rather than `eval: true`.
  if (!url) {
    const source = readAsset(`threads/${name}.mjs`).toString('base64')
    embedded.set(name, (url = new URL('data:text/javascript;base64,' + source)))
  }
  return url
}

/** The URL a thread entry runs from: embedded in the binary, compiled, or the transpiled copy. */
export function threadEntry(entry: ThreadEntry): URL {
  if (inBinary) return embeddedThread(entry)
  // A thread started by a thread that runs from the transpiled copy of host/ (a pool worker that
  // transpiles a component, from source): that same copy, not dist/ (absent, or older).
  if (import.meta.url.includes(`/${MIRRORS}/`)) return new URL(`./${entry}.js`, import.meta.url)
  // From the package's root, not this file: from dist/ this code may be inside a bundle
  // (scripts/bundle-dist.mjs) that lives elsewhere in dist/host.
  if (!import.meta.url.endsWith('.ts'))
    return pathToFileURL(join(packageRootDir(), 'dist/host', `${entry}.js`))
  return pathToFileURL(join(mirrorDir(), 'host', `${entry}.js`))
}

/**
 * Starts a thread entry. `tsx`: the thread imports TypeScript from outside host/ that cannot run
 * bundled on its own (see runnableModule), so when running from source it registers tsx and runs
 * the sources instead.
 */
export function startThread(entry: ThreadEntry, options: WorkerOptions, tsx = false): Worker {
  // The binary runs its pool workers' bundle with its compiled code cached (host/code-cache.ts).
  if (inBinary && entry === 'pool/worker')
    return new Worker(workerRunner(), {
      ...options,
      eval: true,
    })
  if (!tsx || !import.meta.url.endsWith('.ts')) return new Worker(threadEntry(entry), options)
  const api = import.meta.resolve('tsx/esm/api')
  const source = new URL(`./${entry}.ts`, import.meta.url)
  const boot = `import { register } from ${JSON.stringify(api)}
register()
await import(${JSON.stringify(source.href)})`
  return new Worker(new URL('data:text/javascript,' + encodeURIComponent(boot)), options)
}
