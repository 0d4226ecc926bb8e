import { posix } from 'node:path'

export const FUNCTION_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.wasm'] as const

/** 'api/users.js' -> '/api/users', 'index.js' -> '/', 'users/[id].js' -> '/users/:id'. */
export function routeFromPath(relPath: string): string {
  const ext = posix.extname(relPath)
  const segments = relPath
    .slice(0, relPath.length - ext.length)
    .split('/')
    .map((s) => s.replace(/^\[([A-Za-z_][A-Za-z0-9_]*)\]$/, ':$1'))
  if (segments.at(-1) === 'index') segments.pop()
  return '/' + segments.join('/')
}

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

export class PathError extends Error {
  override readonly name = 'PathError'
}

/**
 * Splits a URL path into decoded segments. Empty segments ('//') collapse; a segment that decodes
 * to '.', '..' or holds a '/' is refused, so no encoding trick reaches a route the plain path does not.
 */
export function pathSegments(pathname: string): string[] {
  const out: string[] = []
  for (const raw of pathname.split('/')) {
    if (raw === '') continue
    let seg: string
    try {
      seg = decodeURIComponent(raw)
    } catch {
      throw new PathError(`malformed percent-encoding in path segment '${raw}'`)
    }
    if (seg === '.' || seg === '..' || seg.includes('/') || seg.includes('\0'))
      throw new PathError(`path segment '${raw}' is not allowed`)
    out.push(seg)
  }
  return out
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

  get size(): number {
    return this.routes.length
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
