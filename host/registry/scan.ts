import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, relative, sep } from 'node:path'
import { resolveConfig, type LimitDefaults } from '../config.js'
import { HOST_CONFIG_FILE } from '../host-config.js'
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

/** The sidecar's text, or undefined when there is none (`fnhost.json` is never one). */
async function readSidecar(dir: string, file: string): Promise<string | undefined> {
  const path = sidecarOf(file)
  if (path === join(dir, HOST_CONFIG_FILE)) return undefined
  try {
    return await readFile(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
}

/** A function's name: its path below the folder without extension, '/'-separated. */
export function functionName(dir: string, file: string): string {
  const rel = toPosix(relative(dir, file))
  return rel.slice(0, rel.length - extname(rel).length)
}

/** Reads one function file (and its sidecar) into a spec, or the reason it cannot be served. */
export async function scanFile(
  dir: string,
  file: string,
  inspector: FunctionInspector,
  defaults: LimitDefaults = {},
): Promise<ScanOutcome> {
  let sidecar: string | undefined
  let source: Uint8Array | { unreadable: string }
  try {
    sidecar = await readSidecar(dir, file)
    const { size } = await stat(file)
    source =
      size > MAX_FUNCTION_BYTES
        ? {
            unreadable: `${toPosix(relative(dir, file))} is ${size} bytes; the limit is ${MAX_FUNCTION_BYTES}`,
          }
        : new Uint8Array(await readFile(file))
  } catch (e) {
    source = { unreadable: (e as Error).message }
  }
  return checkSource(dir, file, source, sidecar, inspector, defaults)
}

/**
 * The checks of a scan on bytes not (yet) in place: the management API validates an upload with
 * these before it writes anything. `sidecar` is the sidecar's text, undefined when there is none.
 */
export async function checkSource(
  dir: string,
  file: string,
  source: Uint8Array | { unreadable: string },
  sidecar: string | undefined,
  inspector: FunctionInspector,
  defaults: LimitDefaults = {},
): Promise<ScanOutcome> {
  const rel = toPosix(relative(dir, file))
  const name = functionName(dir, file)
  // A function that fails still claims its routes: the sidecar's once it has been read.
  let routes = [routeFromPath(rel)]
  const fail = (reason: string): ScanOutcome => ({ failure: { name, file, routes, reason } })
  try {
    let raw: unknown
    if (sidecar !== undefined) {
      try {
        raw = JSON.parse(sidecar)
      } catch (e) {
        throw new Error(`${name}.json: not valid JSON (${(e as Error).message})`, { cause: e })
      }
    }
    const fromSidecar = raw === undefined ? undefined : resolveConfig(raw, `${name}.json`, defaults)
    if (fromSidecar?.route) routes = fromSidecar.route
    if (!(source instanceof Uint8Array)) return fail(source.unreadable)
    const bytes = source
    const inspected = await inspector(file, bytes)
    if (fromSidecar && inspected.config !== undefined)
      return fail(`${rel} declares its config both in the source and in ${name}.json; keep one`)
    const { route, ...config } = fromSidecar ?? resolveConfig(inspected.config, rel, defaults)
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
