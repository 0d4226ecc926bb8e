import { relative } from 'node:path'
import type { Logger } from '../observe/log.js'
import { Slot } from './slot.js'

/**
 * The route table of the functions in `slots`: each route with the function serving it. A route
 * claimed by more than one function is logged and answers with a load failure naming them.
 * Sorted by file first, so the table does not depend on the order scans finished in.
 */
export function routeTable(slots: Iterable<Slot>, dir: string, logger: Logger): [string, Slot][] {
  const claims = new Map<string, Slot[]>()
  const byFile = [...slots].sort((a, b) => (a.file < b.file ? -1 : 1))
  for (const slot of byFile)
    for (const route of slot.routes) claims.set(route, [...(claims.get(route) ?? []), slot])
  const table: [string, Slot][] = []
  for (const [route, claimants] of claims) {
    const only = claimants[0] as Slot
    if (claimants.length === 1) {
      table.push([route, only])
      continue
    }
    const files = claimants.map((s) => relative(dir, s.file)).join(', ')
    const reason = `route ${route} is claimed by more than one function (${files}); rename one or set config.route`
    logger.error(reason)
    table.push([
      route,
      Slot.fromFailure({
        name: only.name,
        file: only.file,
        routes: [route],
        reason,
        detail: reason,
      }),
    ])
  }
  return table
}
