import { extname } from 'node:path'
import type { FunctionSpec } from '../../types.js'

export type ModuleKind = 'esm' | 'cjs'

/**
 * `src` with comments and the contents of string and template literals blanked (offsets and
 * newlines kept), so syntax searches only see code. Regex literals are not recognised: a quote
 * inside one can hide the code after it, which only makes a search miss.
 */
export function codeOnly(src: string): string {
  const out = src.split('')
  const templates: number[] = []
  let braces = 0
  const blank = (from: number, to: number) => {
    for (let k = from; k < to && k < out.length; k++) if (out[k] !== '\n') out[k] = ' '
  }
  const skipTemplate = (from: number) => {
    let j = from
    while (j < src.length && src[j] !== '`' && !(src[j] === '$' && src[j + 1] === '{'))
      j += src[j] === '\\' ? 2 : 1
    blank(from, j)
    if (src[j] === '$') {
      templates.push(braces)
      return j + 2
    }
    return j + 1
  }
  let i = 0
  while (i < src.length) {
    const c = src[i]
    const next = src[i + 1]
    if (c === '/' && (next === '/' || next === '*')) {
      const end = next === '/' ? src.indexOf('\n', i) : src.indexOf('*/', i + 2)
      const stop = end < 0 ? src.length : next === '/' ? end : end + 2
      blank(i, stop)
      i = stop
    } else if (c === '"' || c === "'") {
      let j = i + 1
      while (j < src.length && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1
      blank(i + 1, j)
      i = j + 1
    } else if (c === '`') {
      i = skipTemplate(i + 1)
    } else if (c === '}' && templates.length && templates[templates.length - 1] === braces) {
      templates.pop()
      i = skipTemplate(i + 1)
    } else {
      if (c === '{') braces++
      else if (c === '}') braces--
      i++
    }
  }
  return out.join('')
}

const ESM_SYNTAX =
  /(?:^|[\n;{}])\s*(?:import\s*(?:[\w$*{]|["'])|export\s*(?:[{*]|(?:default|const|let|var|function|class|async)\b))/
const CJS_SYNTAX = /\bmodule\s*\.\s*exports\b|\bexports\s*\.\s*[\w$]+\s*=|\brequire\s*\(/

/** `.cjs` is CommonJS, `.mjs` ESM; a `.js` is CommonJS only if it uses CommonJS and no ESM syntax. */
export function moduleKind(file: string, source: string): ModuleKind {
  if (file.endsWith('.cjs')) return 'cjs'
  if (file.endsWith('.mjs')) return 'esm'
  const code = codeOnly(source)
  if (ESM_SYNTAX.test(code)) return 'esm'
  return CJS_SYNTAX.test(code) ? 'cjs' : 'esm'
}

/** Wraps CommonJS on the source's first line, so guest line numbers match the file's. */
export const CJS_PREFIX = '(function (exports, require, module, __filename, __dirname) {'

export function cjsWrapper(source: string): string {
  return CJS_PREFIX + source.replace(/^#!/, '//') + '\n})'
}

/** The name guests see in stack traces: the function's path, never the host's. */
export function guestFilename(spec: Pick<FunctionSpec, 'name' | 'file'>): string {
  return spec.name + extname(spec.file)
}

export function decodeSource(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
}
