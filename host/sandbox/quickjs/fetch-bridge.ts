import type { QuickJSHandle } from 'quickjs-emscripten-core'
import type { Invocation } from './invocation.js'
import type { GuestRuntime } from './runtime.js'

interface FetchRequestMeta {
  method: string
  url: string
  headers: [string, string][]
  redirect: RequestRedirect
}

interface Pending {
  owner: Invocation
  callback: QuickJSHandle
  controller: AbortController
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message
  return 'fetch failed'
}

/**
 * Carries a guest fetch() to the invocation's HostFetch and the answer back: the guest passes a
 * callback, which the host calls (under the owner's deadline) with (error) or (undefined, meta, body).
 */
export class FetchBridge {
  #pending = new Map<number, Pending>()
  #seq = 0

  constructor(
    private readonly rt: GuestRuntime,
    private readonly onSettled: (owner: Invocation) => void,
  ) {}

  get size(): number {
    return this.#pending.size
  }

  /** Returns the request id, or a message when the request is refused before it starts. */
  start(
    meta: string,
    body: Uint8Array<ArrayBuffer> | undefined,
    callback: QuickJSHandle,
  ): number | string {
    const owner = this.rt.current!
    let req: Request
    try {
      const m = JSON.parse(meta) as FetchRequestMeta
      req = new Request(m.url, { method: m.method, headers: m.headers, body, redirect: m.redirect })
    } catch (e) {
      callback.dispose()
      return errorMessage(e)
    }
    const id = ++this.#seq
    const controller = new AbortController()
    this.#pending.set(id, { owner, callback, controller })
    owner
      .fetch(req, AbortSignal.any([controller.signal, owner.signal]))
      .then(async (res) => {
        const bytes = new Uint8Array(await res.arrayBuffer())
        const m = {
          status: res.status,
          statusText: res.statusText,
          headers: [...res.headers],
          url: res.url,
          redirected: res.redirected,
        }
        this.#deliver(id, undefined, JSON.stringify(m), bytes)
      })
      .catch((e: unknown) => this.#deliver(id, errorMessage(e)))
    return id
  }

  abort(id: number): void {
    const p = this.#pending.get(id)
    if (!p) return
    this.#pending.delete(id)
    p.controller.abort()
    this.rt.release(p.callback)
  }

  abortOwner(owner: Invocation): void {
    for (const [id, p] of [...this.#pending]) if (p.owner === owner) this.abort(id)
  }

  abortAll(): void {
    for (const id of [...this.#pending.keys()]) this.abort(id)
  }

  #deliver(
    id: number,
    error: string | undefined,
    meta?: string,
    body?: Uint8Array<ArrayBuffer>,
  ): void {
    const p = this.#pending.get(id)
    if (!p) return
    this.#pending.delete(id)
    const { owner, callback } = p
    if (owner.ended || this.rt.faulted) {
      this.rt.release(callback)
      return
    }
    const ctx = this.rt.context
    try {
      this.rt.enter(owner, () => {
        const args =
          error !== undefined
            ? [ctx.newString(error)]
            : [ctx.undefined, ctx.newString(meta!), ctx.newArrayBuffer(body!.buffer)]
        const result = ctx.callFunction(callback, ctx.undefined, args)
        for (const a of args) a.dispose()
        if (result.error) result.error.dispose()
        else result.value.dispose()
      })
    } catch (e) {
      // A runtime poisoned by this call (out of memory, interrupted) has already failed the
      // owner with that error; anything else is worth the owner's log.
      if (!this.rt.faulted)
        owner.log.write('error', `fetch result could not be delivered: ${(e as Error).message}`)
    } finally {
      this.rt.release(callback)
      this.onSettled(owner)
    }
  }
}
