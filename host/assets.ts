import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sea from 'node:sea'

/*
 * Every file the host reads from its own install goes through here. From a clone or the npm
 * package they are files under the package root; in the single binary (scripts/build-binary.ts)
 * they are SEA assets under the same keys, listed in the MANIFEST asset.
 */

/** True inside the single executable: no package folder, no node_modules. */
export const inBinary = sea.isSea()

/** The asset listing every key the binary embeds (SEA has no listing of its own in Node 20). */
export const MANIFEST = 'fnhost-assets.json'
/** The QuickJS engine. */
export const QUICKJS_WASM = 'quickjs.wasm'

/** jco-transpile's package.json: its version is part of the component cache key. */
export const JCO_PACKAGE = 'vendor/@bytecodealliance/jco-transpile/package.json'

/** Keys that do not live at the same path under the package root. */
const DISK_PATHS: Record<string, () => string> = {
  [QUICKJS_WASM]: () =>
    createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm'),
  // Its exports do not list package.json: found from its entry, one folder up from dist/.
  [JCO_PACKAGE]: () =>
    fileURLToPath(
      new URL('../package.json', import.meta.resolve('@bytecodealliance/jco-transpile')),
    ),
}

let root: string | undefined

/** The package root, found from this file whether it runs from host/ (tsx, vitest) or dist/host/. */
export function packageRootDir(): string {
  if (root) return root
  // The binary has no package folder: paths below this one name nothing, and the files the host
  // needs come from readAsset instead.
  if (inBinary) return (root = dirname(process.execPath))
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error('fnhost: package.json not found above ' + import.meta.url)
    dir = up
  }
  return (root = dir)
}

function diskPath(key: string): string {
  return DISK_PATHS[key]?.() ?? join(packageRootDir(), key)
}

/** An asset's bytes; `key` is a package-relative path such as `guests/js/base.js`. */
export function readAsset(key: string): Buffer<ArrayBuffer> {
  if (inBinary) return Buffer.from(sea.getAsset(key)) as Buffer<ArrayBuffer>
  return readFileSync(diskPath(key))
}

/**
 * An asset's bytes to read and never write: in the binary a view of the executable's own copy
 * (sea.getRawAsset, no copy made; a write there crashes the process), elsewhere the file's bytes.
 * For what is compiled, parsed or decoded at start (the engine, its image, the prelude).
 */
export function readAssetView(key: string): Uint8Array<ArrayBuffer> {
  if (inBinary) return new Uint8Array(sea.getRawAsset(key) as ArrayBuffer)
  return readFileSync(diskPath(key))
}

export function readAssetText(key: string): string {
  const bytes = readAssetView(key)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
}

/** The keys the binary embeds; empty outside it. */
function manifest(): string[] {
  return inBinary ? (JSON.parse(readAssetText(MANIFEST)) as string[]) : []
}

const extracted = new Map<string, string>()

/**
 * A folder on disk holding the assets under `prefix` (a package-relative folder such as
 * `guests/c`), for tools that need real files (clang's include path). In the binary they are
 * written once per process into a fresh private temporary folder, removed at exit.
 */
export function assetDir(prefix: string): string {
  if (!inBinary) return join(packageRootDir(), prefix)
  const known = extracted.get(prefix)
  if (known) return known
  const dir = mkdtempSync(join(tmpdir(), 'fnhost-'))
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  for (const key of manifest().filter((k) => k.startsWith(prefix + '/'))) {
    const file = join(dir, key.slice(prefix.length + 1))
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, readAsset(key))
  }
  extracted.set(prefix, dir)
  return dir
}

export function fnhostVersion(): string {
  return (JSON.parse(readAssetText('package.json')) as { version: string }).version
}
