import type { RouteMatch, Router } from './router.js'
import { pathSegments } from './segments.js'

/** The host's own endpoints live here; no route may lie below it and no function ever sees it. */
export const RESERVED_SEGMENT = '_fnhost'

/** The prefix that aliases every function path: `/r/<path>` is `/<path>`. */
export const ALIAS_SEGMENT = 'r'

export interface PathMatch<T> extends RouteMatch<T> {
  /**
   * The request path as the function sees it: without the `/r` alias prefix, still encoded as it
   * arrived.
   */
  path: string
}

/** Whether a route pattern lies under the reserved prefix (a load error for a function). */
export function isReservedRoute(pattern: string): boolean {
  return pattern.split('/').find((s) => s !== '') === RESERVED_SEGMENT
}

/**
 * Matches a raw request path: decodes its segments (PathError on a trick), strips the `/r/` alias
 * unless a function owns `/r` itself, and never matches under the reserved prefix, whichever way
 * the path spells it (`//_fnhost`, `/r/_fnhost`, `/%5Ffnhost`).
 */
export function matchRequestPath<T>(router: Router<T>, rawPath: string): PathMatch<T> | undefined {
  let segments = pathSegments(rawPath)
  let path = rawPath
  if (segments[0] === ALIAS_SEGMENT && !router.hasTopSegment(ALIAS_SEGMENT)) {
    segments = segments.slice(1)
    path = stripFirstSegment(rawPath)
  }
  if (segments[0] === RESERVED_SEGMENT) return undefined
  const match = router.match(segments)
  return match && { ...match, path }
}

/** '/r/a/b' -> '/a/b', '//r//a' -> '//a', '/r' -> '/'. */
function stripFirstSegment(rawPath: string): string {
  const m = /^\/*[^/]*/.exec(rawPath) as RegExpExecArray
  const rest = rawPath.slice(m[0].length)
  return rest === '' ? '/' : rest
}
