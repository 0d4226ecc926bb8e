import { createHash, randomBytes } from 'node:crypto'
import { lstatSync, mkdirSync, readFileSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

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
}

const OPTIONS = {
  name: 'component',
  instantiation: 'sync',
  emitTypescriptDeclarations: false,
  // Every core module as its own file: the host compiles (and caps) each one itself.
  base64Cutoff: 0,
} as const

/** Bumped when what this file does to jco's output changes, so old cache entries are not used. */
const PATCH_VERSION = 1

/**
 * jco's generated `_debugLog` reads `process.env` on every call (a real share of a call's cost,
 * and host state a guest has no business reaching): the host never turns jco's debug logging on.
 */
const DEBUG_CHECK = 'if (!globalThis?.process?.env?.JCO_DEBUG) { return; }'

let jcoVersion: string | undefined
function transpilerVersion(): string {
  if (jcoVersion) return jcoVersion
  const entry = fileURLToPath(import.meta.resolve('@bytecodealliance/jco-transpile'))
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    version: string
  }
  jcoVersion = pkg.version
  return jcoVersion
}

/** The cache folder: private to this user, since the host imports code from it. */
export function defaultCacheDir(): string {
  const uid = process.getuid?.() ?? 0
  return join(tmpdir(), `fnhost-components-${uid}`)
}

function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const st = lstatSync(dir)
  const uid = process.getuid?.()
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0)
    throw new Error(
      `the component cache ${dir} is not a private folder of this user; remove it or choose another`,
    )
}

export function cacheKey(bytes: Uint8Array): string {
  return createHash('sha256')
    .update(bytes)
    .update(JSON.stringify(OPTIONS))
    .update(`jco-transpile@${transpilerVersion()}#${PATCH_VERSION}`)
    .digest('hex')
}

/**
 * Transpiles once per distinct component (bytes, options, jco-transpile version): a later load
 * in any worker, or after a restart, reads the cached files instead of transpiling again.
 */
export async function transpileCached(bytes: Uint8Array, cacheDir: string): Promise<Transpiled> {
  ensurePrivateDir(cacheDir)
  const dir = join(cacheDir, cacheKey(bytes))
  const cached = await readManifest(dir)
  if (cached) return { dir, cores: cached }
  const { transpileBytes } = await import('@bytecodealliance/jco-transpile')
  const result = await transpileBytes(bytes, { ...OPTIONS })
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  await mkdir(tmp, { mode: 0o700 })
  const cores: string[] = []
  for (const [name, content] of Object.entries(result.files)) {
    if (name === 'component.js') {
      const js = Buffer.from(content).toString('utf8').replace(DEBUG_CHECK, 'return;')
      await writeFile(join(tmp, 'component.mjs'), js)
    } else if (name.endsWith('.wasm') && !name.includes('/')) {
      cores.push(name)
      await writeFile(join(tmp, name), content)
    }
  }
  await writeFile(join(tmp, 'manifest.json'), JSON.stringify({ cores }))
  try {
    await rename(tmp, dir)
  } catch {
    // Another worker cached the same component first; its copy is identical.
    await rm(tmp, { recursive: true, force: true })
  }
  return { dir, cores }
}

async function readManifest(dir: string): Promise<string[] | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
      cores: string[]
    }
    return manifest.cores
  } catch {
    return undefined
  }
}
