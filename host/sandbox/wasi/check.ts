import { findExport, functionType, signature, type ModuleInfo } from '../wasm/module.js'
import { WasmFormatError } from '../wasm/reader.js'
import { KV_MODULE, KV_SIGNATURES } from './kv-imports.js'
import { WASI_MODULE, WASI_SIGNATURES } from './preview1.js'

/** emscripten's STANDALONE_WASM with memory growth imports this to be told of growth; the host needs no notice. */
export const EMSCRIPTEN_GROWTH = {
  module: 'env',
  name: 'emscripten_notify_memory_growth',
  signature: 'i32->',
}

function describe(problems: string[]): string {
  const shown = problems.slice(0, 5).join('; ')
  return problems.length > 5 ? `${shown}; and ${problems.length - 5} more` : shown
}

/** Refuses a WAGI module whose imports the host does not provide or whose `_start` is missing. */
export function checkWagiModule(info: ModuleInfo): void {
  const problems: string[] = []
  for (const imp of info.imports) {
    const label = `${imp.module}.${imp.name}`
    if (imp.kind === 'memory') continue
    if (imp.kind !== 'func') {
      problems.push(`imports ${imp.kind} ${label}, which fnhost does not provide`)
      continue
    }
    const type = info.types[imp.type]
    const actual = type ? signature(type) : '?'
    const expected =
      imp.module === WASI_MODULE && Object.hasOwn(WASI_SIGNATURES, imp.name)
        ? WASI_SIGNATURES[imp.name as keyof typeof WASI_SIGNATURES]
        : imp.module === KV_MODULE && Object.hasOwn(KV_SIGNATURES, imp.name)
          ? KV_SIGNATURES[imp.name as keyof typeof KV_SIGNATURES]
          : imp.module === EMSCRIPTEN_GROWTH.module && imp.name === EMSCRIPTEN_GROWTH.name
            ? EMSCRIPTEN_GROWTH.signature
            : undefined
    if (expected === undefined) problems.push(`imports ${label}, which fnhost does not provide`)
    else if (expected !== actual)
      problems.push(
        `imports ${label} as (${actual}); ${imp.module === KV_MODULE ? 'fnhost' : 'WASI'} defines (${expected})`,
      )
  }
  const start = findExport(info, '_start')
  if (start?.kind !== 'func')
    problems.push('exports no _start function (build a wasm32-wasi command)')
  else {
    const type = functionType(info, start.index)
    if (type && signature(type) !== '->')
      problems.push(`_start has type (${signature(type)}); expected (->)`)
  }
  if (problems.length > 0) throw new WasmFormatError(describe(problems))
}
