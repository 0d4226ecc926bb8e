/**
 * Makes text safe for a one-line log record: control characters (C0, DEL, C1, and the Unicode
 * line and paragraph separators) and the backslash become escapes, so nothing a client or a guest
 * sends (a `%0a` in a path, an ANSI sequence in a console.log) can forge a line or drive a terminal.
 */
// Matching control characters is the point here.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/g

export function escapeLogText(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    if (ch === '\\') return '\\\\'
    if (ch === '\n') return '\\n'
    if (ch === '\r') return '\\r'
    if (ch === '\t') return '\\t'
    const code = ch.charCodeAt(0)
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`
  })
}
