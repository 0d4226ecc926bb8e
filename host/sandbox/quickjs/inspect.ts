import { basename } from 'node:path'
import { CONFIG_DEFAULTS } from '../../config.js'
import { FnhostError } from '../../errors.js'
import type { InspectResult } from '../types.js'
import { readException } from './errors.js'
import { Invocation, noFetch } from './invocation.js'
import { GuestRuntime } from './runtime.js'
import {
  CJS_PREFIX,
  cjsWrapper,
  codeOnly,
  decodeSource,
  moduleKind,
  type ModuleKind,
} from './source.js'
import { MIN_MEMORY_MB } from './wasm.js'

/** A literal evaluates in well under a millisecond; the margin covers a cold, busy machine. */
const CONFIG_EVAL_MS = 250
const COMPILE_MS = 5_000

const ESM_CONFIG = /\bexport\s+const\s+config\s*=\s*/
const CJS_CONFIG = /\b(?:module\s*\.\s*)?exports\s*\.\s*config\s*=\s*/

const discardLog = { full: true, write: () => {} }
const neverAborted = new AbortController().signal

function failed(message: string): FnhostError {
  return new FnhostError('FUNCTION_LOAD_FAILED', message)
}

function scratch(ms: number): Invocation {
  return new Invocation({
    deadline: Date.now() + ms,
    log: discardLog,
    signal: neverAborted,
    fetch: noFetch,
  })
}

/** The `{ ... }` after `export const config =` (or `exports.config =`), if the source has one. */
function findConfigLiteral(
  source: string,
  kind: ModuleKind,
  name: string,
): string | undefined {
  const code = codeOnly(source)
  const m = (kind === 'esm' ? ESM_CONFIG : CJS_CONFIG).exec(code)
  if (!m) return undefined
  const start = m.index + m[0].length
  if (code[start] !== '{')
    throw failed(`${name}: the exported config must be an object literal ({ ... })`)
  let depth = 0
  for (let i = start; i < code.length; i++) {
    if (code[i] === '{') depth++
    else if (code[i] === '}' && --depth === 0) return source.slice(start, i + 1)
  }
  throw failed(`${name}: the exported config object is not closed`)
}

async function checkSyntax(source: string, kind: ModuleKind, name: string): Promise<void> {
  const rt = await GuestRuntime.create({
    memoryMb: CONFIG_DEFAULTS.memoryMb,
    timeoutMs: COMPILE_MS,
  })
  const ctx = rt.context
  const inv = scratch(COMPILE_MS)
  try {
    const result = rt.enter(inv, () =>
      kind === 'esm'
        ? ctx.evalCode(source, name, { type: 'module', compileOnly: true })
        : ctx.evalCode(cjsWrapper(source), name, { type: 'global', compileOnly: true }),
    )
    if (!result.error) {
      result.value.dispose()
      return
    }
    const e = rt.enter(inv, () => readException(ctx, result.error))
    result.error.dispose()
    const at = /:(\d+):(\d+)/.exec(e.stack)
    let where = ''
    if (at) {
      const line = Number(at[1])
      const column = Number(at[2]) - (kind === 'cjs' && line === 1 ? CJS_PREFIX.length : 0)
      where = ` (line ${line}, column ${column})`
    }
    throw failed(`${name}: ${e.name}: ${e.message}${where}`)
  } finally {
    rt.dispose()
  }
}

/** Evaluates only the literal, in a small throwaway runtime with a tight deadline. */
async function evaluateLiteral(literal: string, name: string): Promise<unknown> {
  const rt = await GuestRuntime.create({ memoryMb: MIN_MEMORY_MB, timeoutMs: CONFIG_EVAL_MS })
  const ctx = rt.context
  const inv = scratch(CONFIG_EVAL_MS)
  try {
    const result = rt.enter(inv, () =>
      ctx.evalCode(`JSON.stringify((${literal}\n))`, `${name} (config)`, { type: 'global' }),
    )
    if (result.error) {
      const e = rt.enter(inv, () => readException(ctx, result.error))
      result.error.dispose()
      throw failed(
        `${name}: the exported config must be a plain literal, but evaluating it failed: ${e.name}: ${e.message}`,
      )
    }
    const json = rt.enter(inv, () =>
      ctx.typeof(result.value) === 'string' ? ctx.getString(result.value) : 'null',
    )
    result.value.dispose()
    return JSON.parse(json)
  } catch (e) {
    if (e instanceof FnhostError && e.code !== 'FUNCTION_LOAD_FAILED')
      throw failed(`${name}: the exported config must be a plain literal (${e.message})`)
    throw e
  } finally {
    rt.dispose()
  }
}

/** Scan-time check of a JS function: its syntax (compiled, never run) and its embedded config. */
export async function inspectSource(file: string, bytes: Uint8Array): Promise<InspectResult> {
  const name = basename(file)
  let source: string
  try {
    source = decodeSource(bytes)
  } catch {
    throw failed(`${name} is not UTF-8 text`)
  }
  const kind = moduleKind(file, source)
  await checkSyntax(source, kind, name)
  const literal = findConfigLiteral(source, kind, name)
  return literal === undefined ? {} : { config: await evaluateLiteral(literal, name) }
}
