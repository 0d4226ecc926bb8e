import type { GuestResponse } from '../../host/invocation.js'
import type { SandboxDriver } from '../../host/sandbox/types.js'

/** What a test function's module sees of the worker it runs in: shared across its functions. */
export interface WorkerState {
  loaded: Set<string>
}

/** The kind of the pool tests' functions (specOf in helpers.ts). */
export const PLAIN_JS = 'plainjs'

/**
 * A test-only driver the pool tests add through `drivers.modules`: a function's source is a plain
 * ES module whose default export is `(req, opts) => Response`. No sandbox at all, so nothing
 * soft-limits it: a loop in it can be stopped only by the pool's watchdog, which is what the pool
 * tests need.
 */
const plainJs: SandboxDriver = {
  kind: PLAIN_JS,
  detect: () => false,
  inspect: async () => ({}),
  async load(spec) {
    const source = new TextDecoder().decode(spec.source)
    const mod = (await import('data:text/javascript,' + encodeURIComponent(source))) as {
      default: (req: Request, opts: unknown) => Promise<Response>
    }
    const state = ((globalThis as { fnhostTest?: WorkerState }).fnhostTest ??= {
      loaded: new Set(),
    })
    const key = `${spec.name}@${spec.version}`
    state.loaded.add(key)
    let disposed = false
    return {
      spec,
      async invoke(inv, opts): Promise<GuestResponse> {
        if (disposed) throw new Error('invoked after dispose')
        if (inv.type !== 'http') throw new Error('plain test functions take HTTP invocations')
        const req = new Request(inv.url, {
          method: inv.method,
          headers: inv.headers,
          body: inv.body as Uint8Array<ArrayBuffer> | null,
        })
        const res = await mod.default(req, {
          ...opts,
          params: inv.params,
          requestId: inv.requestId,
        })
        // Node's ReadableStream is async-iterable; the DOM lib's type does not say so.
        const body = res.body as (ReadableStream<Uint8Array> & AsyncIterable<Uint8Array>) | null
        return { status: res.status, headers: [...res.headers], body }
      },
      async [Symbol.asyncDispose]() {
        disposed = true
        state.loaded.delete(key)
      },
    }
  },
}

export const drivers = [plainJs]
