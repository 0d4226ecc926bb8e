import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { basename, extname, resolve } from 'node:path'
import { resolveConfig } from '../../host/config.js'
import type { FunctionSpec, SandboxKind } from '../../host/types.js'

export interface SpecOverrides {
  /** Raw config, as a sidecar or `export const config` would give it (validated here). */
  config?: unknown
  /** Default: the file name without extension. */
  name?: string
  /** Default: the file's bytes. */
  source?: string | Uint8Array
  /** Default: 'quickjs' for .js/.mjs/.cjs, 'wasi' for .wasm. */
  kind?: SandboxKind
  routes?: string[]
}

/** A FunctionSpec for a file, the way the registry would build it (without scanning a folder). */
export function specFor(file: string, overrides: SpecOverrides = {}): FunctionSpec {
  const path = resolve(file)
  const source =
    overrides.source === undefined
      ? new Uint8Array(readFileSync(path))
      : typeof overrides.source === 'string'
        ? new TextEncoder().encode(overrides.source)
        : overrides.source
  const { route, ...config } = resolveConfig(overrides.config ?? {}, path)
  const name = overrides.name ?? basename(path, extname(path))
  const kind = overrides.kind ?? (path.endsWith('.wasm') ? 'wasi' : 'quickjs')
  const routes = overrides.routes ??
    route ?? ['/' + name.replace(/\[([^\]]+)\]/g, ':$1').replace(/(^|\/)index$/, '')]
  const version = createHash('sha256')
    .update(source)
    .update(JSON.stringify(config))
    .digest('hex')
    .slice(0, 16)
  return { name, file: path, kind, routes, config, source, version }
}
