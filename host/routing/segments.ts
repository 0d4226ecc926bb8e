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
