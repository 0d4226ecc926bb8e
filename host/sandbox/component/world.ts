import { WasmFormatError } from '../wasm/reader.js'

/**
 * What a component may import: the interfaces of wasi:http/proxy plus the harmless parts of
 * wasi:cli and wasi:filesystem (which the host serves empty). Keyed without version; every 0.2.x
 * version is served by the same implementation. wasi:keyvalue is allowed too, at one version.
 */
export const ALLOWED_IMPORTS = new Set([
  'wasi:http/types',
  'wasi:http/outgoing-handler',
  'wasi:io/error',
  'wasi:io/poll',
  'wasi:io/streams',
  'wasi:clocks/monotonic-clock',
  'wasi:clocks/wall-clock',
  'wasi:random/random',
  'wasi:random/insecure',
  'wasi:random/insecure-seed',
  'wasi:cli/stdin',
  'wasi:cli/stdout',
  'wasi:cli/stderr',
  'wasi:cli/environment',
  'wasi:cli/exit',
  'wasi:cli/terminal-input',
  'wasi:cli/terminal-output',
  'wasi:cli/terminal-stdin',
  'wasi:cli/terminal-stdout',
  'wasi:cli/terminal-stderr',
  'wasi:filesystem/types',
  'wasi:filesystem/preopens',
])

/** The one wasi:keyvalue version served: the draft wasmtime's wasi-keyvalue crate implements. */
export const KEYVALUE_VERSION = '0.2.0-draft'

/**
 * Interfaces served at one exact version, not any 0.2.x: wasi:keyvalue is a draft whose versions
 * differ in shape (0.2.0-draft2 changed list-keys and increment and added cas), so only the one
 * implemented (wasi/keyvalue.ts) is accepted. Any component may import it, as any WAGI module may
 * import fnhost_kv: every function owns a namespace, and its grants decide what `open` reaches.
 */
export const EXACT_VERSION_IMPORTS = new Map([
  ['wasi:keyvalue/store', KEYVALUE_VERSION],
  ['wasi:keyvalue/atomics', KEYVALUE_VERSION],
  ['wasi:keyvalue/batch', KEYVALUE_VERSION],
])

export const HANDLER_EXPORT = 'wasi:http/incoming-handler'

export interface ComponentWorld {
  /** Imported interfaces as written, with versions ('wasi:http/types@0.2.12'). */
  imports: string[]
  exports: string[]
}

/** The import and export names of the root world in `wasm-tools component wit` output. */
export function parseWorld(wit: string): ComponentWorld {
  const lines = wit.split('\n')
  const start = lines.findIndex((l) => /^world \S+ \{$/.test(l))
  if (start === -1) throw new WasmFormatError('the component declares no world')
  const world: ComponentWorld = { imports: [], exports: [] }
  for (const line of lines.slice(start + 1)) {
    if (line === '}') break
    const m = /^ {2}(import|export) ([^\s:;{]+(?::[^\s;{]+)?)/.exec(line)
    if (!m) continue
    const name = m[2]!.replace(/:$/, '')
    ;(m[1] === 'import' ? world.imports : world.exports).push(name)
  }
  return world
}

/** 'wasi:http/types@0.2.12' -> ['wasi:http/types', '0.2.12']. */
function splitVersion(name: string): [string, string | undefined] {
  const at = name.indexOf('@')
  return at === -1 ? [name, undefined] : [name.slice(0, at), name.slice(at + 1)]
}

const isPreview2 = (version: string | undefined) =>
  version !== undefined && /^0\.2\.\d+$/.test(version)

/** Refuses a world that imports anything off the allowlist or does not export the handler. */
export function checkWorld(world: ComponentWorld): void {
  const problems: string[] = []
  for (const name of world.imports) {
    const [iface, version] = splitVersion(name)
    const exact = EXACT_VERSION_IMPORTS.get(iface)
    if (exact !== undefined) {
      if (version !== exact) problems.push(`imports ${name}; fnhost serves ${iface}@${exact}`)
    } else if (!ALLOWED_IMPORTS.has(iface))
      problems.push(`imports ${name}, which fnhost does not provide to components`)
    else if (!isPreview2(version))
      problems.push(`imports ${name}; fnhost serves WASI 0.2.x interfaces only`)
  }
  const handler = world.exports.find((e) => splitVersion(e)[0] === HANDLER_EXPORT)
  if (!handler)
    problems.push(`exports no ${HANDLER_EXPORT}@0.2.x (build a wasi:http/proxy component)`)
  else if (!isPreview2(splitVersion(handler)[1]))
    problems.push(`exports ${handler}; fnhost runs ${HANDLER_EXPORT}@0.2.x`)
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ')
    const more = problems.length > 5 ? `; and ${problems.length - 5} more` : ''
    throw new WasmFormatError(shown + more)
  }
}
