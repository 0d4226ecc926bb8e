import { bodies, OP, walkBody } from '../wasm/code.js'
import { findExport, functionType, signature, type ModuleInfo } from '../wasm/module.js'
import { WasmFormatError } from '../wasm/reader.js'

export const MICRO_ABI_VERSION = 1
export const LOG_IMPORT = { module: 'fnmicro', name: 'log', signature: 'i32,i32->' }

/** The exports of the fnmicro ABI and their types. */
export const MICRO_EXPORTS = {
  fnm_abi_version: '->i32',
  fnm_req_buf: '->i32',
  fnm_req_cap: '->i32',
  fnm_resp_buf: '->i32',
  fnm_resp_cap: '->i32',
  fnm_handle: 'i32,i32,i32,i32->i32',
} as const

function checkImports(info: ModuleInfo, problems: string[]): void {
  for (const imp of info.imports) {
    const label = `${imp.module}.${imp.name}`
    if (imp.module !== LOG_IMPORT.module || imp.name !== LOG_IMPORT.name || imp.kind !== 'func') {
      problems.push(
        `imports ${imp.kind} ${label}; fnmicro allows only ${LOG_IMPORT.module}.${LOG_IMPORT.name}`,
      )
      continue
    }
    const type = info.types[imp.type]
    if (type && signature(type) !== LOG_IMPORT.signature)
      problems.push(
        `imports ${label} as (${signature(type)}); the ABI defines (${LOG_IMPORT.signature})`,
      )
  }
}

function checkMemory(info: ModuleInfo, problems: string[]): void {
  if (info.memories.length !== 1) {
    problems.push(`defines ${info.memories.length} memories; fnmicro needs exactly one`)
    return
  }
  const memory = info.memories[0] as ModuleInfo['memories'][number]
  if (memory.shared || memory.memory64) problems.push('its memory is shared or 64-bit')
  if (memory.min > 1)
    problems.push(`its memory starts at ${memory.min} pages; fnmicro allows one 64 KiB page`)
  const exported = findExport(info, 'memory')
  if (exported?.kind !== 'memory') problems.push("does not export its memory as 'memory'")
}

function checkExports(info: ModuleInfo, problems: string[]): void {
  for (const [name, expected] of Object.entries(MICRO_EXPORTS)) {
    const exp = findExport(info, name)
    const type = exp?.kind === 'func' ? functionType(info, exp.index) : undefined
    if (!type) problems.push(`exports no function ${name}`)
    else if (signature(type) !== expected)
      problems.push(`exports ${name} as (${signature(type)}); the ABI defines (${expected})`)
  }
}

/** No memory.grow (the memory is one page for good), no SIMD or atomics (absent on microcontrollers). */
function checkCode(info: ModuleInfo, problems: string[]): void {
  const found = new Set<string>()
  for (const body of bodies(info)) {
    walkBody(info.bytes, body, (op) => {
      if (op === OP.memoryGrow) found.add('memory.grow')
      else if (op === OP.prefixSimd) found.add('SIMD instructions')
      else if (op === OP.prefixAtomic) found.add('atomic instructions')
    })
  }
  for (const what of found) problems.push(`uses ${what}, outside the fnmicro profile`)
}

/** Refuses a module outside the fnmicro profile of CONTRACTS.md, listing every reason. */
export function checkMicroModule(info: ModuleInfo): void {
  const problems: string[] = []
  checkImports(info, problems)
  checkMemory(info, problems)
  checkExports(info, problems)
  checkCode(info, problems)
  if (problems.length > 0)
    throw new WasmFormatError(`not an fnmicro module: ${problems.join('; ')}`)
}
