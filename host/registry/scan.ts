import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { extname, relative, sep } from 'node:path'
import { resolveConfig } from '../config.js'
import { routeFromPath, sidecarOf } from '../routing/names.js'
import { isReservedRoute, RESERVED_SEGMENT } from '../routing/request-path.js'
import type { FunctionInspector } from '../sandbox/types.js'
import type { FunctionSpec } from '../types.js'

/** A file that is a function but could not be loaded: it keeps its route and answers 500 with the reason. */
export interface LoadFailure {
  name: string
  file: string
  routes: string[]
  reason: string
}

export type ScanOutcome = { spec: FunctionSpec } | { failure: LoadFailure }

/** Largest function file read; bigger ones fail to load without being read whole. */
export const MAX_FUNCTION_BYTES = 64 * 1024 * 1024

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/')
}

async function readSidecar(file: string): Promise<unknown> {
  const path = sidecarOf(file)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new Error(`${relativeName(path)}: not valid JSON (${(e as Error).message})`, { cause: e })
  }
}

function relativeName(path: string): string {
  return path.split(sep).slice(-2).join('/')
}

/** Reads one function file (and its sidecar) into a spec, or the reason it cannot be served. */
export async function scanFile(
  dir: string,
  file: string,
  inspector: FunctionInspector,
): Promise<ScanOutcome> {
  const rel = toPosix(relative(dir, file))
  const name = rel.slice(0, rel.length - extname(rel).length)
  // A function that fails still claims its routes: the sidecar's once it has been read.
  let routes = [routeFromPath(rel)]
  const fail = (reason: string): ScanOutcome => ({ failure: { name, file, routes, reason } })
  try {
    const sidecar = await readSidecar(file)
    const fromSidecar = sidecar === undefined ? undefined : resolveConfig(sidecar, `${name}.json`)
    if (fromSidecar?.route) routes = fromSidecar.route
    const { size } = await stat(file)
    if (size > MAX_FUNCTION_BYTES)
      return fail(`${rel} is ${size} bytes; the limit is ${MAX_FUNCTION_BYTES}`)
    const bytes = new Uint8Array(await readFile(file))
    const inspected = await inspector(file, bytes)
    if (fromSidecar && inspected.config !== undefined)
      return fail(`${rel} declares its config both in the source and in ${name}.json; keep one`)
    const { route, ...config } = fromSidecar ?? resolveConfig(inspected.config, rel)
    if (route) routes = route
    const reserved = routes.find(isReservedRoute)
    if (reserved) {
      // The failure answers on the routes it may have, so its reason is seen where it was meant.
      const allowed = routes.filter((r) => !isReservedRoute(r))
      routes = allowed.length ? allowed : [routeFromPath(rel)]
      return fail(
        `route ${reserved} lies under /${RESERVED_SEGMENT}/, which is reserved for the host`,
      )
    }
    const version = createHash('sha256')
      .update(bytes)
      .update(JSON.stringify({ routes, config }))
      .digest('hex')
      .slice(0, 16)
    return { spec: { name, file, kind: inspected.kind, routes, config, source: bytes, version } }
  } catch (e) {
    return fail((e as Error).message)
  }
}
