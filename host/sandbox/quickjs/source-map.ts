import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping'

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Rewrites `file:line:column` positions in the bundle (QuickJS stack frames, 1-based columns) to
 * the original file, line and column through the bundle's source map. The map's sources are
 * relative to the functions folder, so no host path appears. Parsed on first use: most functions
 * never throw.
 */
export class StackMapper {
  #trace: TraceMap | undefined
  readonly #pattern: RegExp

  constructor(
    private readonly map: string,
    private readonly filename: string,
  ) {
    this.#pattern = new RegExp(`(?<![\\w./-])${escapeRegExp(filename)}:(\\d+):(\\d+)`, 'g')
  }

  rewrite(text: string): string {
    if (!text.includes(this.filename)) return text
    const trace = (this.#trace ??= new TraceMap(this.map))
    return text.replace(this.#pattern, (whole, line: string, column: string) => {
      const at = originalPositionFor(trace, {
        line: Number(line),
        column: Math.max(0, Number(column) - 1),
      })
      if (at.source === null || at.line === null) return whole
      return `${at.source}:${at.line}:${at.column + 1}`
    })
  }
}
