/*
 * Where a JSON text stops being JSON, so a load failure can say "at line 3, column 7" without
 * quoting the text (V8's own message quotes it, and the message reaches clients).
 */

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const ESCAPES = '"\\/bfnrtu'
const HEX = /^[0-9a-fA-F]{4}$/

/** Offset just past a string starting at `at` (a '"'), or -1 - offset of the fault. */
function stringEnd(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22) return i + 1
    if (c < 0x20) return -1 - i
    if (c !== 0x5c) continue
    const e = text[i + 1] ?? ''
    if (!ESCAPES.includes(e) || e === '') return -1 - (i + 1)
    if (e === 'u' && !HEX.test(text.slice(i + 2, i + 6))) return -1 - (i + 2)
    i += e === 'u' ? 5 : 1
  }
  return -1 - text.length
}

/** Offset of the first character at which `text` is not JSON; -1 when it is valid. */
export function jsonErrorOffset(text: string): number {
  let i = 0
  const stack: string[] = []
  let mode: 'value' | 'key' | 'after' = 'value'
  const skipSpace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++
  }
  for (;;) {
    skipSpace()
    const c = text[i]
    if (mode === 'key') {
      if (c !== '"') return i
      const end = stringEnd(text, i)
      if (end < 0) return -1 - end
      i = end
      skipSpace()
      if (text[i] !== ':') return i
      i++
      mode = 'value'
    } else if (mode === 'value') {
      if (c === '{' || c === '[') {
        i++
        skipSpace()
        if (text[i] === (c === '{' ? '}' : ']')) {
          i++
          mode = 'after'
        } else {
          stack.push(c)
          mode = c === '{' ? 'key' : 'value'
        }
      } else if (c === '"') {
        const end = stringEnd(text, i)
        if (end < 0) return -1 - end
        i = end
        mode = 'after'
      } else {
        NUMBER.lastIndex = i
        const literal = ['true', 'false', 'null'].find((w) => text.startsWith(w, i))
        if (literal) i += literal.length
        else if (NUMBER.test(text)) i = NUMBER.lastIndex
        else return i
        mode = 'after'
      }
    } else {
      const top = stack[stack.length - 1]
      if (top === undefined) return i === text.length ? -1 : i
      if (c === ',') mode = top === '{' ? 'key' : 'value'
      else if (c === (top === '{' ? '}' : ']')) stack.pop()
      else return i
      i++
    }
  }
}

/** "line 3, column 7" of an offset (both from 1). */
export function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  const column = offset - before.lastIndexOf('\n')
  return `line ${line}, column ${column}`
}
