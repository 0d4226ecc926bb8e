import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { extname, relative, sep } from 'node:path'
import { bundleSource } from '../bundle/index.js'
import { resolveConfig } from '../config.js'
import { detectDriver } from '../sandbox/index.js'
import type { FunctionSpec } from '../types.js'
import { sidecarOf } from './files.js'
import { routeFromPath } from './routes.js'

/** A file that is a function but could not be loaded: it keeps its route and answers 500 with the reason. */
export interface LoadFailure {
  name: string
  file: string
  routes: string[]
  reason: string
}

/** `inputs`: the files a bundled function was built from (absolute), for the watcher. */
export type ScanOutcome = ({ spec: FunctionSpec } | { failure: LoadFailure }) & {
  inputs?: string[]
}

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
export async function scanFile(dir: string, file: string): Promise<ScanOutcome> {
  const rel = toPosix(relative(dir, file))
  const name = rel.slice(0, rel.length - extname(rel).length)
  // A function that fails still claims its routes: the sidecar's once it has been read.
  let routes = [routeFromPath(rel)]
  let inputs: string[] | undefined
  const fail = (reason: string): ScanOutcome => ({
    failure: { name, file, routes, reason },
    inputs,
  })
  try {
    const sidecar = await readSidecar(file)
    const fromSidecar = sidecar === undefined ? undefined : resolveConfig(sidecar, `${name}.json`)
    if (fromSidecar?.route) routes = fromSidecar.route
    const { size } = await stat(file)
    if (size > MAX_FUNCTION_BYTES)
      return fail(`${rel} is ${size} bytes; the limit is ${MAX_FUNCTION_BYTES}`)
    const read = new Uint8Array(await readFile(file))
    const driver = detectDriver(file, read)
    const bundle = await bundleSource(dir, file, read)
    inputs = bundle?.inputs
    if (bundle && bundle.code.byteLength > MAX_FUNCTION_BYTES)
      return fail(
        `${rel} bundles to ${bundle.code.byteLength} bytes; the limit is ${MAX_FUNCTION_BYTES}`,
      )
    const bytes = bundle?.code ?? read
    const hints = bundle && { format: bundle.format, configSource: bundle.entry }
    const inspected = await driver.inspect(file, bytes, hints)
    if (fromSidecar && inspected.config !== undefined)
      return fail(`${rel} declares its config both in the source and in ${name}.json; keep one`)
    const { route, ...config } = fromSidecar ?? resolveConfig(inspected.config, rel)
    if (route) routes = route
    const version = createHash('sha256')
      .update(bytes)
      .update(JSON.stringify({ routes, config, map: bundle?.map }))
      .digest('hex')
      .slice(0, 16)
    const spec: FunctionSpec = {
      name,
      file,
      kind: driver.kind,
      routes,
      config,
      source: bytes,
      version,
    }
    if (bundle) Object.assign(spec, { format: bundle.format, sourceMap: bundle.map })
    return { spec, inputs }
  } catch (e) {
    return fail((e as Error).message)
  }
}
