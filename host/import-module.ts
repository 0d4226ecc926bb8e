import { RUNNER_IMPORT } from './code-cache.js'

type Importer = (url: string) => Promise<unknown>

/**
 * import() of a module known only at run time (a driver module, a transpiled component). In the
 * single binary the pool worker's code runs from a V8 code cache, and in Node 20 an import() in
 * code read from a cache finds no loader ("A dynamic import callback was not specified"): the
 * script that runs it (host/code-cache.ts) lends its own import() instead.
 */
export function importModule(url: string): Promise<unknown> {
  const lent = (globalThis as { [RUNNER_IMPORT]?: Importer })[RUNNER_IMPORT]
  return lent ? lent(url) : import(url)
}
