import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { build } from 'esbuild'
import { checkInputs, failureOf, SHARED_OPTIONS } from './bundle.js'
import { nodeBuiltins } from './builtins.js'
import { VENDOR_GLOBAL, type ModuleFormat, type VendorBundle } from './types.js'

/*
 * The packages a function imports, bundled apart from it (on the bundling thread). A function's
 * own build leaves every import that resolves into a node_modules folder to the vendor bundle of
 * that set of packages (split.ts), so a new function is a few kilobytes for esbuild to build and
 * QuickJS to compile, while the vendor bundle, shared by every function importing the same
 * packages, is compiled once per worker into a template engine that functions' engines are
 * copied from (host/sandbox/quickjs/template.ts). Each package's module runs lazily, on its first
 * import, in the function's own engine, in the order the function imports them, as in a bundle
 * of its own.
 */

/** A vendor bundle as the bundling thread keeps it. */
export interface Vendor extends VendorBundle {
  /** Vendored modules (paths relative to the folder, '/'-separated) and how each is written. */
  modules: Map<string, ModuleFormat>
  /** Absolute paths of every file in the vendor bundle: a function using it follows them all. */
  inputs: string[]
  /** File times and sizes of the inputs when it was built: a change means a rebuild. */
  seen: Map<string, string>
}

/** Vendor bundles by folder and package set (its modules, sorted), the last build of each. */
const sets = new Map<string, Promise<Vendor | undefined>>()
/** How each vendored module of a folder is written, as its last vendor build found. */
const formats = new Map<string, Map<string, ModuleFormat>>()

async function fingerprint(path: string): Promise<string | undefined> {
  const info = await stat(path).catch(() => undefined)
  return info && `${info.mtimeMs}:${info.size}`
}

/**
 * Whether none of the vendor bundle's files changed since it was built (times and sizes). Asked
 * for every function built against it, so it stats synchronously, on the bundling thread: tens of
 * stat calls take ~0.1 ms that way, against milliseconds as many trips through libuv's pool
 * shared with the host's other file work.
 */
export function fresh(vendor: Vendor): boolean {
  for (const input of vendor.inputs) {
    const info = statSync(input, { throwIfNoEntry: false })
    if (!info || `${info.mtimeMs}:${info.size}` !== vendor.seen.get(input)) return false
  }
  return true
}

/**
 * The module registry as a global script: `(function () { ... })`, compiled ahead into a spare
 * engine and called once per engine (host/sandbox/quickjs/vendor.ts). The bundle starts on the
 * second line, so the source map needs only one line added.
 */
function wrap(code: string): string {
  return [
    '(function () { var module = { exports: {} }, exports = module.exports;',
    code,
    `;const m = module.exports; Object.defineProperty(globalThis, '${VENDOR_GLOBAL}', { value: (k) => m[k]() })`,
    '})',
  ].join('\n')
}

async function buildVendor(dir: string, wanted: string[]): Promise<Vendor> {
  const entries = wanted.map(
    (k) => `${JSON.stringify(k)}: () => require(${JSON.stringify('./' + k)})`,
  )
  const started = Date.now()
  let result
  try {
    result = await build({
      ...SHARED_OPTIONS,
      stdin: {
        contents: `module.exports = {\n${entries.join(',\n')}\n}`,
        resolveDir: dir,
        sourcefile: 'fnhost-vendor-entry.js',
        loader: 'js',
      },
      absWorkingDir: dir,
      outfile: join(dir, 'fnhost-vendor.js'),
      format: 'cjs',
      plugins: [nodeBuiltins],
    })
  } catch (e) {
    throw failureOf(e)
  }
  const inputs = checkInputs(dir, result.metafile, (p) => p !== 'fnhost-vendor-entry.js')
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'))
  if (!js || !map) throw new Error('the vendor build produced no output')
  const modules = new Map<string, ModuleFormat>()
  for (const k of wanted)
    modules.set(k, result.metafile.inputs[k]?.format === 'esm' ? 'esm' : 'cjs')
  const parsed = JSON.parse(map.text) as { mappings: string }
  parsed.mappings = ';' + parsed.mappings
  const code = new TextEncoder().encode(wrap(js.text))
  const mapText = JSON.stringify(parsed)
  const digest = createHash('sha256').update(code).update(mapText).digest('hex')
  const prints = await Promise.all(inputs.map(fingerprint))
  const seen = new Map<string, string>()
  inputs.forEach((input, i) => seen.set(input, prints[i] ?? 'gone'))
  // A file written while esbuild read it may not be in the output: the next use rebuilds.
  const late = (await Promise.all(inputs.map((p) => stat(p).catch(() => undefined)))).some(
    (s) => !s || s.mtimeMs >= started - 20,
  )
  if (late) seen.clear()
  return { digest, code, map: mapText, modules, inputs, seen }
}

/**
 * The vendor bundle of exactly the modules in `needed` (paths relative to `dir`): the last build
 * of that set while none of its files changed, else a new one. Functions importing the same
 * packages share it; one importing others gets its own, so an engine never holds more packages
 * than its function imports. Undefined when the build fails (the caller bundles the function
 * whole, which reports the failure against the function's own file).
 */
export async function vendorFor(dir: string, needed: string[]): Promise<Vendor | undefined> {
  const keys = [...new Set(needed)].sort()
  const id = `${dir}\0${keys.join('\0')}`
  const pending = sets.get(id)
  const last = await pending
  // Another function's build of this set started meanwhile.
  if (sets.get(id) !== pending) return vendorFor(dir, keys)
  if (last && fresh(last)) return last
  const next = buildVendor(dir, keys).then(
    (vendor) => {
      const known = formats.get(dir) ?? new Map<string, ModuleFormat>()
      for (const [k, format] of vendor.modules) known.set(k, format)
      formats.set(dir, known)
      return vendor
    },
    () => undefined,
  )
  sets.set(id, next)
  return next
}

/** How each module of `dir` vendored so far is written (ESM or CommonJS). */
export function knownFormats(dir: string): ReadonlyMap<string, ModuleFormat> {
  return formats.get(dir) ?? new Map()
}
