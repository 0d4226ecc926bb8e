type Segment = { param: string } | { literal: string }

interface CompiledRoute<T> {
  pattern: string
  segments: Segment[]
  literals: number
  target: T
}

export interface RouteMatch<T> {
  target: T
  pattern: string
  params: Record<string, string>
}

function compile<T>(pattern: string, target: T): CompiledRoute<T> {
  const segments: Segment[] = pattern
    .split('/')
    .filter((s) => s !== '')
    .map((s) => (s.startsWith(':') ? { param: s.slice(1) } : { literal: s }))
  return { pattern, segments, literals: segments.filter((s) => 'literal' in s).length, target }
}

/**
 * Longest match on segment boundaries: a route serves its own path and every path below it; the
 * route with more segments wins, then the one with more literal segments.
 */
export class Router<T> {
  private readonly routes: CompiledRoute<T>[]

  constructor(entries: Iterable<[pattern: string, target: T]>) {
    this.routes = [...entries]
      .map(([p, t]) => compile(p, t))
      .sort((a, b) => b.segments.length - a.segments.length || b.literals - a.literals)
  }

  /** The first segment of every route, to tell whether '/r/...' is an alias or a real route. */
  hasTopSegment(name: string): boolean {
    return this.routes.some((r) => {
      const first = r.segments[0]
      return first !== undefined && 'literal' in first && first.literal === name
    })
  }

  match(segments: string[]): RouteMatch<T> | undefined {
    for (const route of this.routes) {
      if (route.segments.length > segments.length) continue
      const params: Record<string, string> = {}
      const ok = route.segments.every((seg, i) => {
        const value = segments[i] as string
        if ('literal' in seg) return seg.literal === value
        params[seg.param] = value
        return true
      })
      if (ok) return { target: route.target, pattern: route.pattern, params }
    }
    return undefined
  }
}
