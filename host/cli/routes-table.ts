import { relative } from 'node:path'
import { HTTP_METHODS } from '../config.js'
import type { Registry } from '../registry/registry.js'

/** The route table `fnhost serve` prints: one line per route, failed functions with their reason. */
export function routeTable(registry: Registry): string {
  const rows: [string, string, string][] = []
  for (const slot of registry.list()) {
    const file = relative(registry.dir, slot.file)
    const methods = slot.spec
      ? slot.spec.config.methods.length === HTTP_METHODS.length
        ? '*'
        : slot.spec.config.methods.join(',')
      : 'FAILED'
    for (const route of slot.routes)
      rows.push([
        methods,
        route,
        slot.failure ? `${file}: ${slot.failure}` : `${file} (${slot.spec?.kind})`,
      ])
  }
  if (rows.length === 0) return `  (no functions yet: add a .js or .wasm file to ${registry.dir})`
  const w0 = Math.max(...rows.map((r) => r[0].length))
  const w1 = Math.max(...rows.map((r) => r[1].length))
  return rows.map(([m, r, f]) => `  ${m.padEnd(w0)}  ${r.padEnd(w1)}  ${f}`).join('\n')
}
