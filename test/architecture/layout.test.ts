import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { packageRoot } from '../../host/paths.js'

const HOST = join(packageRoot, 'host')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))
}

/** Every module a file names: static imports and exports (type-only ones too) and import(). */
function specifiers(source: string): string[] {
  const out: string[] = []
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'"`;]*?\sfrom\s+['"]([^'"]+)['"]/g,
    /\bimport\s+['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ]
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1] as string)
  return out
}

/** host/<folder>/... -> '<folder>/'; a file directly in host/ is a node of its own. */
function nodeOf(file: string): string {
  const rel = relative(HOST, file).split(/[\\/]/)
  return rel.length > 1 ? `${rel[0]}/` : (rel[0] as string)
}

function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>()
  for (const file of sourceFiles(HOST)) {
    const from = nodeOf(file)
    const edges = graph.get(from) ?? new Set<string>()
    graph.set(from, edges)
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts')
      if (!target.startsWith(HOST)) continue
      const to = nodeOf(target)
      if (to !== from) edges.add(to)
    }
  }
  return graph
}

/** A cycle in the graph as a list of nodes, or undefined. */
function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node]
    state.set(node, 'open')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next)
      if (cycle) return cycle
    }
    stack.pop()
    state.set(node, 'done')
    return undefined
  }
  for (const node of graph.keys()) {
    const cycle = visit(node)
    if (cycle) return cycle
  }
  return undefined
}

describe('the layout of host/', () => {
  it('has no import cycle between its folders (type imports included)', () => {
    const graph = folderGraph()
    expect(graph.size).toBeGreaterThan(10)
    expect(findCycle(graph)).toBeUndefined()
  })

  it('finds a cycle when there is one (the checker itself works)', () => {
    const graph = new Map([
      ['a/', new Set(['b/'])],
      ['b/', new Set(['c.ts'])],
      ['c.ts', new Set(['a/'])],
    ])
    expect(findCycle(graph)).toEqual(['a/', 'b/', 'c.ts', 'a/'])
  })

  it('names no guest kind outside host/sandbox/', () => {
    const kinds = /['"`](?:quickjs|wasi|micro|component)['"`]/
    const offenders = sourceFiles(HOST)
      .filter((f) => !relative(HOST, f).startsWith('sandbox'))
      .filter((f) => kinds.test(readFileSync(f, 'utf8')))
      .map((f) => relative(packageRoot, f))
    expect(offenders).toEqual([])
  })
})
