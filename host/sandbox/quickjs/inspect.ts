import { randomUUID } from 'node:crypto'
import { basename } from 'node:path'
import { CONFIG_DEFAULTS } from '../../config-defaults.js'
import { FnhostError } from '../../errors.js'
import type { InspectHints, InspectResult } from '../types.js'
import { readException, type GuestException } from './errors.js'
import { Invocation, noFetch } from './invocation.js'
import { GuestRuntime, importRefused } from './runtime.js'
import {
  CJS_PREFIX,
  cjsWrapper,
  codeOnly,
  decodeSource,
  moduleKind,
  type ModuleKind,
} from './source.js'
import { MIN_MEMORY_MB } from './wasm.js'

/**
 * A literal evaluates in well under a millisecond; the margin covers a cold machine so busy that
 * a thread waits hundreds of milliseconds for a core (250 ms was seen to fail a plain literal).
 */
export const CONFIG_EVAL_MS = 1_000
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
function findConfigLiteral(source: string, kind: ModuleKind, name: string): string | undefined {
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

type CompileOptions = { type: 'module' | 'global'; compileOnly: true }

/** Compiles `code` without running it; returns what it threw, or undefined if it compiled. */
function compile(
  rt: GuestRuntime,
  inv: Invocation,
  code: string,
  name: string,
  options: CompileOptions,
): GuestException | undefined {
  const ctx = rt.context
  const result = rt.enter(inv, () => ctx.evalCode(code, name, options))
  if (!result.error) {
    result.value.dispose()
    return undefined
  }
  try {
    return rt.enter(inv, () => readException(ctx, result.error))
  } finally {
    result.error.dispose()
  }
}

/** The 1-based line and column a compile error points at, if it has one. */
function position(e: GuestException): { line: number; column: number } | undefined {
  const at = /:(\d+):(\d+)/.exec(e.stack)
  return at ? { line: Number(at[1]), column: Number(at[2]) } : undefined
}

/**
 * Compiles an ES module without running it. quickjs-emscripten 0.32's QTS_Eval mishandles a
 * module that compiles under compileOnly: it answers JS_GetModuleNamespace of a module pointer it
 * never set (the wasm build passes the source text's address), so a valid module comes back as a
 * value or an exception read from the source's bytes and the heap after them, and a crafted file
 * can make the engine trap. A compile that fails returns before that code and is sound, so this
 * one is never let to succeed: an import of a one-off specifier is appended, and QuickJS
 * resolves imports only once the whole file has parsed, in source order, so the loader being
 * asked for that specifier means the file compiled and its own imports (all refused, as at load)
 * came first.
 */
function compileModule(
  rt: GuestRuntime,
  inv: Invocation,
  source: string,
  name: string,
): GuestException | undefined {
  const marker = `fnhost:syntax-check/${randomUUID()}`
  let parsed = false
  rt.runtime.setModuleLoader((specifier) => {
    if (specifier !== marker) return { error: importRefused(specifier) }
    parsed = true
    return { error: new Error('the module compiled') }
  })
  const options: CompileOptions = { type: 'module', compileOnly: true }
  const e = compile(rt, inv, `${source}\n;import ${JSON.stringify(marker)}`, name, options)
  if (parsed) return undefined
  // A file that ends too early (an unclosed brace, say) fails on the appended line instead. That
  // file fails alone too, since a valid module stays valid with an import after it; compiling it
  // alone gives the error a user expects, at the file's own end.
  const lines = source.split('\n').length
  const at = e && position(e)
  if (at && at.line > lines) return compile(rt, inv, source, name, options)
  return e
}

async function checkSyntax(source: string, kind: ModuleKind, name: string): Promise<void> {
  const rt = await GuestRuntime.create({
    memoryMb: CONFIG_DEFAULTS.memoryMb,
    timeoutMs: COMPILE_MS,
    check: 'syntax',
  })
  const inv = scratch(COMPILE_MS)
  try {
    const e =
      kind === 'esm'
        ? compileModule(rt, inv, source, name)
        : compile(rt, inv, cjsWrapper(source), name, { type: 'global', compileOnly: true })
    if (!e) return
    const at = position(e)
    let where = ''
    if (at) {
      const column = at.column - (kind === 'cjs' && at.line === 1 ? CJS_PREFIX.length : 0)
      where = ` (line ${at.line}, column ${column})`
    }
    throw failed(`${name}: ${e.name}: ${e.message}${where}`)
  } finally {
    rt.dispose()
  }
}

/** Evaluates only the literal, in a small throwaway runtime with a tight deadline. */
async function evaluateLiteral(literal: string, name: string): Promise<unknown> {
  const rt = await GuestRuntime.create({
    memoryMb: MIN_MEMORY_MB,
    timeoutMs: CONFIG_EVAL_MS,
    check: 'literal',
  })
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
    if (e instanceof FnhostError && e.code === 'CPU_LIMIT')
      throw failed(
        `${name}: the exported config must be a plain literal (evaluating it took over ${CONFIG_EVAL_MS} ms)`,
      )
    if (e instanceof FnhostError && e.code !== 'FUNCTION_LOAD_FAILED')
      throw failed(`${name}: the exported config must be a plain literal (${e.message})`)
    throw e
  } finally {
    rt.dispose()
  }
}

/** Scan-time check of a JS function: its syntax (compiled, never run) and its embedded config. */
export async function inspectSource(
  file: string,
  bytes: Uint8Array,
  hints: InspectHints = {},
): Promise<InspectResult> {
  const name = basename(file)
  // esbuild parsed a bundled source and wrote it at a syntax level QuickJS runs (and reported
  // the author's errors with their own file:line:column): compiling it again here would only
  // double the time a new function takes to be served. Its config is looked for in the entry
  // file, so the bundle itself is not even decoded.
  if (hints.format !== undefined && hints.configSource !== undefined) {
    const literal = findConfigLiteral(hints.configSource, hints.format, name)
    return literal === undefined ? {} : { config: await evaluateLiteral(literal, name) }
  }
  let source: string
  try {
    source = decodeSource(bytes)
  } catch {
    throw failed(`${name} is not UTF-8 text`)
  }
  const kind = hints.format ?? moduleKind(file, source)
  if (hints.format === undefined) await checkSyntax(source, kind, name)
  const literal = findConfigLiteral(hints.configSource ?? source, kind, name)
  return literal === undefined ? {} : { config: await evaluateLiteral(literal, name) }
}
