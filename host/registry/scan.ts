import { createHash } from 'node:crypto'
import { extname, join, relative, sep } from 'node:path'
import { digestBytes } from '../bytes.js'
import { bundleSource } from '../bundle/index.js'
import { resolveConfig, type LimitDefaults } from '../config.js'
import { HOST_CONFIG_FILE } from '../host-config.js'
import { routeFromPath, sidecarOf } from '../routing/names.js'
import { isReservedRoute, RESERVED_SEGMENT } from '../routing/request-path.js'
import type { FunctionInspector } from '../sandbox/types.js'
import type { FunctionSpec } from '../types.js'
import { jsonErrorOffset, lineAndColumn } from './json-error.js'
import { clientReason } from './load-reason.js'
import { readRegularFile } from './read-regular.js'
import { phaseMark } from '../observe/phase-marks.js'
import { traceStart } from '../observe/start-trace.js'

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

/**
 * `inputs`: the files a bundled function was built from (absolute), for the watcher. `read`: the
 * file's bytes as this scan read them (scanFile), to tell whether a later look finds them changed.
 */
export type ScanOutcome = ({ spec: FunctionSpec } | { failure: LoadFailure }) & {
  inputs?: string[]
  read?: Uint8Array
}

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

/** The sidecar's text, or undefined when there is none (`fnhost.json` is never one). */
async function readSidecar(dir: string, file: string): Promise<string | undefined> {
  const path = sidecarOf(file)
  if (path === join(dir, HOST_CONFIG_FILE)) return undefined
  const bytes = await readRegularFile(dir, path, toPosix(relative(dir, path)), MAX_SIDECAR_BYTES)
  return bytes?.toString('utf8')
}

function parseSidecar(text: string, shown: string): unknown {
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
  const rel = toPosix(relative(dir, file))
  let sidecar: string | undefined
  let source: Uint8Array | { unreadable: unknown }
  try {
    sidecar = await readSidecar(dir, file)
    const read = await readRegularFile(dir, file, rel, MAX_FUNCTION_BYTES)
    source =
      read === undefined
        ? { unreadable: new Error(`${rel} was removed while it was read`) }
        : new Uint8Array(read.buffer, read.byteOffset, read.byteLength)
  } catch (e) {
    source = { unreadable: e }
  }
  const outcome = await checkSource(dir, file, source, sidecar, inspector, defaults)
  return source instanceof Uint8Array ? { ...outcome, read: source } : outcome
}

/** The bytes of a function file as a scan reads them; undefined when they cannot be read. */
export async function readFunctionFile(dir: string, file: string) {
  try {
    return await readRegularFile(dir, file, toPosix(relative(dir, file)), MAX_FUNCTION_BYTES)
  } catch {
    return undefined
  }
}

/**
 * The checks of a scan on bytes not (yet) in place: the management API validates an upload with
 * these before it writes anything. `sidecar` is the sidecar's text, undefined when there is none.
 */
export async function checkSource(
  dir: string,
  file: string,
  source: Uint8Array | { unreadable: unknown },
  sidecar: string | undefined,
  inspector: FunctionInspector,
  defaults: LimitDefaults = {},
): Promise<ScanOutcome> {
  const rel = toPosix(relative(dir, file))
  const name = functionName(dir, file)
  // A function that fails still claims its routes: the sidecar's once it has been read.
  let routes = [routeFromPath(rel)]
  let inputs: string[] | undefined
  const fail = (detail: string, reason = clientReason(detail, dir)): ScanOutcome => ({
    failure: { name, file, routes, reason, detail },
    inputs,
  })
  try {
    const raw = sidecar === undefined ? undefined : parseSidecar(sidecar, `${name}.json`)
    const fromSidecar = raw === undefined ? undefined : resolveConfig(raw, `${name}.json`, defaults)
    if (fromSidecar?.route) routes = fromSidecar.route
    if (!(source instanceof Uint8Array)) throw source.unreadable
    const bundle = await bundleSource(dir, file, source)
    phaseMark('bundle:got')
    inputs = bundle?.inputs
    const bundled = bundle && bundle.code.byteLength + (bundle.vendor?.code.byteLength ?? 0)
    if (bundled && bundled > MAX_FUNCTION_BYTES)
      return fail(`${rel} bundles to ${bundled} bytes; the limit is ${MAX_FUNCTION_BYTES}`)
    traceStart(`bundle checked ${rel}`)
    const bytes = bundle?.code ?? source
    const hints = bundle && { format: bundle.format, configSource: bundle.entry }
    const inspected = await inspector(file, bytes, hints)
    phaseMark('inspect:done')
    traceStart(`inspected ${rel}`)
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
    // A bundle comes hashed (code and source map) from the bundling thread.
    const version = createHash('sha256')
      .update(bundle ? bundle.digest : await digestBytes(bytes))
      .update(JSON.stringify({ routes, config }))
      .digest('hex')
      .slice(0, 16)
    const spec: FunctionSpec = {
      name,
      file,
      kind: inspected.kind,
      routes,
      config,
      source: bytes,
      version,
    }
    if (bundle) Object.assign(spec, { format: bundle.format, sourceMap: bundle.map })
    if (bundle?.vendor) spec.vendor = bundle.vendor
    return { spec, inputs }
  } catch (e) {
    if (e instanceof DetailedError) return fail(e.message, e.reason)
    return fail((e as Error).message)
  }
}
