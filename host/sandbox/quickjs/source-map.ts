import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping'

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Rewrites `file:line:column` positions in the bundle (QuickJS stack frames, 1-based columns) to
 * the original file, line and column through the bundle's source map. The map's sources are
 * relative to the functions folder, so no host path appears. Parsed on first use: most functions
 * never throw.
 */
export class StackMapper {
  readonly #traces = new Map<string, TraceMap>()
  readonly #pattern: RegExp

  /** `maps`: each generated file's name (as stack frames show it) and its source map. */
  constructor(private readonly maps: ReadonlyMap<string, string>) {
    const names = [...maps.keys()].map(escapeRegExp).join('|')
    this.#pattern = new RegExp(`(?<![\\w./-])(${names}):(\\d+):(\\d+)`, 'g')
  }

  rewrite(text: string): string {
    if (![...this.maps.keys()].some((name) => text.includes(name))) return text
    return text.replace(this.#pattern, (whole, name: string, line: string, column: string) => {
      let trace = this.#traces.get(name)
      if (!trace) this.#traces.set(name, (trace = new TraceMap(this.maps.get(name)!)))
      const at = originalPositionFor(trace, {
        line: Number(line),
        column: Math.max(0, Number(column) - 1),
      })
      if (at.source === null || at.line === null) return whole
      return `${at.source}:${at.line}:${at.column + 1}`
    })
  }
}
