import type { FunctionLoader } from '../../host/sandbox/types.js'

/** What a test function's module sees of the worker it runs in: shared across its functions. */
export interface WorkerState {
  loaded: Set<string>
}

/**
 * Test-only loader: a function's source is a plain ES module whose default export is
 * `(req, opts) => Response`. No sandbox at all, so nothing soft-limits it: a loop in it can be
 * stopped only by the pool's watchdog, which is what the pool tests need.
 */
export const loadInProcess: FunctionLoader = async (spec) => {
  const source = new TextDecoder().decode(spec.source)
  const mod = (await import('data:text/javascript,' + encodeURIComponent(source))) as {
    default: (req: Request, opts: unknown) => Promise<Response>
  }
  const state = ((globalThis as { fnhostTest?: WorkerState }).fnhostTest ??= { loaded: new Set() })
  const key = `${spec.name}@${spec.version}`
  state.loaded.add(key)
  let disposed = false
  return {
    spec,
    invoke(req, opts) {
      if (disposed) throw new Error('invoked after dispose')
      return mod.default(req, opts)
    },
    async [Symbol.asyncDispose]() {
      disposed = true
      state.loaded.delete(key)
    },
  }
}
