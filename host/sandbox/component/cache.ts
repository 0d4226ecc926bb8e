import { createHash, randomBytes } from 'node:crypto'
import { lstatSync, mkdirSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JCO_PACKAGE, readAssetText } from '../../assets.js'
import type { Patched } from './patch.js'

/**
 * jco-transpile's output for one component, as files on disk: the generated module (whose
 * `instantiate(getCoreModule, imports, instantiateCore)` takes every import from the host) and the
 * core modules it instantiates.
 */
export interface Transpiled {
  /** Folder holding `component.mjs` and the core modules. */
  dir: string
  /** Core module file names, in the order jco lists them. */
  cores: string[]
  /** The generated module hands out its resource tables (patch.ts), so instances can be restored. */
  glue: boolean
}

export const TRANSPILE_OPTIONS = {
  name: 'component',
  instantiation: 'sync',
  emitTypescriptDeclarations: false,
  // Every core module as its own file: the host compiles (and caps) each one itself.
  base64Cutoff: 0,
} as const

/** Bumped when what the host does to jco's output changes, so old cache entries are not used. */
const PATCH_VERSION = 5

let jcoVersion: string | undefined
function transpilerVersion(): string {
  if (jcoVersion) return jcoVersion
  // Through the assets: the binary has no node_modules to resolve it in.
  const pkg = JSON.parse(readAssetText(JCO_PACKAGE)) as { version: string }
  jcoVersion = pkg.version
  return jcoVersion
}

/** The default cache folder: private to this user, since the host imports code from it. */
export function defaultCacheDir(): string {
  return join(tmpdir(), `fnhost-components-${process.getuid?.() ?? 0}`)
}

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const st = lstatSync(dir)
  const uid = process.getuid?.()
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0)
    throw new Error(
      `the component cache ${dir} is not a private folder of this user; remove it or choose another`,
    )
}

/** A hash of the bytes, the options and the jco-transpile version: equal keys, equal output. */
export function entryDir(cacheDir: string, bytes: Uint8Array): string {
  const key = createHash('sha256')
    .update(bytes)
    .update(JSON.stringify(TRANSPILE_OPTIONS))
    .update(`jco-transpile@${transpilerVersion()}#${PATCH_VERSION}`)
    .digest('hex')
  return join(cacheDir, key)
}

export async function readEntry(dir: string): Promise<Transpiled | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
      cores: string[]
      glue?: boolean
    }
    return { dir, cores: manifest.cores, glue: manifest.glue === true }
  } catch {
    return undefined
  }
}

/**
 * Writes an entry whole or not at all (a temporary folder renamed into place), so a reader in
 * another worker or after a crash never sees half of one.
 */
export async function writeEntry(
  dir: string,
  { js, glue }: Patched,
  cores: Map<string, Uint8Array>,
): Promise<Transpiled> {
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  await mkdir(tmp, { mode: 0o700 })
  await writeFile(join(tmp, 'component.mjs'), js)
  for (const [name, bytes] of cores) await writeFile(join(tmp, name), bytes)
  await writeFile(join(tmp, 'manifest.json'), JSON.stringify({ cores: [...cores.keys()], glue }))
  try {
    await rename(tmp, dir)
  } catch {
    // Another thread cached the same component first; its copy is identical.
    await rm(tmp, { recursive: true, force: true })
  }
  return { dir, cores: [...cores.keys()], glue }
}
