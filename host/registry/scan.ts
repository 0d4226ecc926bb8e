import { createHash } from 'node:crypto'
import { extname, relative, sep } from 'node:path'
import { resolveConfig } from '../config.js'
import { detectDriver } from '../sandbox/index.js'
import type { FunctionSpec } from '../types.js'
import { sidecarOf } from './files.js'
import { jsonErrorOffset, lineAndColumn } from './json-error.js'
import { clientReason } from './load-reason.js'
import { readRegularFile } from './read-regular.js'
import { routeFromPath } from './routes.js'

/** A file that is a function but could not be loaded: it keeps its route and answers 500 with the reason. */
export interface LoadFailure {
  name: string
  file: string
  routes: string[]
  /** What clients are told: no file contents, no absolute host paths. */
  reason: string
  /** The full reason, for the host's log. */
  detail: string
}

export type ScanOutcome = { spec: FunctionSpec } | { failure: LoadFailure }

/** Largest function file read; bigger ones fail to load without being read whole. */
export const MAX_FUNCTION_BYTES = 64 * 1024 * 1024

/** Largest sidecar read; a config is a few hundred bytes, its `env` at most some kilobytes. */
export const MAX_SIDECAR_BYTES = 1024 * 1024

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/')
}

/** A failure whose client message differs from the logged one. */
class DetailedError extends Error {
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(detail)
  }
}

async function readSidecar(dir: string, file: string): Promise<unknown> {
  const path = sidecarOf(file)
  const shown = toPosix(relative(dir, path))
  const bytes = await readRegularFile(dir, path, shown, MAX_SIDECAR_BYTES)
  if (bytes === undefined) return undefined
  const text = bytes.toString('utf8')
  try {
    return JSON.parse(text)
  } catch (e) {
    // V8's message quotes the text; clients get only where it stops being JSON.
    const at = jsonErrorOffset(text)
    const where = at >= 0 ? ` at ${lineAndColumn(text, at)}` : ''
    const reason = `config sidecar ${shown} is not valid JSON${where}`
    throw new DetailedError(reason, `${reason} (${(e as Error).message})`)
  }
}

/** Reads one function file (and its sidecar) into a spec, or the reason it cannot be served. */
export async function scanFile(dir: string, file: string): Promise<ScanOutcome> {
  const rel = toPosix(relative(dir, file))
  const name = rel.slice(0, rel.length - extname(rel).length)
  // A function that fails still claims its routes: the sidecar's once it has been read.
  let routes = [routeFromPath(rel)]
  const fail = (detail: string, reason = clientReason(detail, dir)): ScanOutcome => ({
    failure: { name, file, routes, reason, detail },
  })
  try {
    const sidecar = await readSidecar(dir, file)
    const fromSidecar = sidecar === undefined ? undefined : resolveConfig(sidecar, `${name}.json`)
    if (fromSidecar?.route) routes = fromSidecar.route
    const read = await readRegularFile(dir, file, rel, MAX_FUNCTION_BYTES)
    if (read === undefined) return fail(`${rel} was removed while it was read`)
    const bytes = new Uint8Array(read.buffer, read.byteOffset, read.byteLength)
    const driver = detectDriver(file, bytes)
    const inspected = await driver.inspect(file, bytes)
    if (fromSidecar && inspected.config !== undefined)
      return fail(`${rel} declares its config both in the source and in ${name}.json; keep one`)
    const { route, ...config } = fromSidecar ?? resolveConfig(inspected.config, rel)
    if (route) routes = route
    const version = createHash('sha256')
      .update(bytes)
      .update(JSON.stringify({ routes, config }))
      .digest('hex')
      .slice(0, 16)
    return { spec: { name, file, kind: driver.kind, routes, config, source: bytes, version } }
  } catch (e) {
    if (e instanceof DetailedError) return fail(e.message, e.reason)
    return fail((e as Error).message)
  }
}
