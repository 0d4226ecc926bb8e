import type { QuickJSHandle } from 'quickjs-emscripten-core'
import type { KvGrants } from '../../kv/grants.js'
import { failure, parseRequest, runAsync, runSync, type KvReply } from '../../kv/ops.js'
import type { Invocation } from './invocation.js'
import type { GuestRuntime } from './runtime.js'

interface Pending {
  owner: Invocation
  callback: QuickJSHandle
}

/**
 * Carries a guest KV call (guests/js/kv.js) to the function's granted namespaces. A synchronous
 * backend (SQLite) answers inside the host call: the guest gets [error, json, bytes] back at
 * once. An asynchronous one (Redis) gets an id back; the answer reaches the guest's callback
 * later, like a fetch, under the owner's deadline, and wakes the event loop.
 */
export class KvBridge {
  #pending = new Map<number, Pending>()
  #seq = 0

  constructor(
    private readonly rt: GuestRuntime,
    private readonly grants: KvGrants | undefined,
    private readonly onSettled: (owner: Invocation) => void,
  ) {}

  get size(): number {
    return this.#pending.size
  }

  /** The guest's answer: an array [error, json, bytes] now, or a pending id (a number). */
  call(request: string, value: Uint8Array | undefined, callback: QuickJSHandle): QuickJSHandle {
    const ctx = this.rt.context
    let ns
    let req
    try {
      if (!this.grants) throw new Error('no key-value store is configured for this host')
      req = parseRequest(request)
      ns = this.grants.binding(String(req.binding))
      const reply = runSync(ns, req, value)
      if (reply) return this.#answer(undefined, reply)
    } catch (e) {
      return this.#answer(JSON.stringify(failure(e)))
    }
    const id = ++this.#seq
    const owner = this.rt.current!
    this.#pending.set(id, { owner, callback: callback.dup() })
    runAsync(ns, req, value).then(
      (reply) => this.#deliver(id, undefined, reply),
      (e: unknown) => this.#deliver(id, JSON.stringify(failure(e))),
    )
    return ctx.newNumber(id)
  }

  #args(error: string | undefined, reply?: KvReply): QuickJSHandle[] {
    const ctx = this.rt.context
    if (error !== undefined) return [ctx.newString(error)]
    const bytes = reply!.bytes
    return [
      ctx.undefined,
      ctx.newString(reply!.json),
      bytes ? ctx.newArrayBuffer(bytes.slice().buffer) : ctx.undefined,
    ]
  }

  #answer(error: string | undefined, reply?: KvReply): QuickJSHandle {
    const ctx = this.rt.context
    const array = ctx.newArray()
    this.#args(error, reply).forEach((h, i) => {
      ctx.setProp(array, i, h)
      h.dispose()
    })
    return array
  }

  abortOwner(owner: Invocation): void {
    for (const [id, p] of [...this.#pending])
      if (p.owner === owner) {
        this.#pending.delete(id)
        this.rt.release(p.callback)
      }
  }

  abortAll(): void {
    for (const p of this.#pending.values()) this.rt.release(p.callback)
    this.#pending.clear()
  }

  #deliver(id: number, error: string | undefined, reply?: KvReply): void {
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
        const args = this.#args(error, reply)
        const result = ctx.callFunction(callback, ctx.undefined, args)
        for (const a of args) a.dispose()
        if (result.error) result.error.dispose()
        else result.value.dispose()
      })
    } catch {
      // A poisoned runtime already failed the owner; nothing more to deliver.
    } finally {
      this.rt.release(callback)
      this.onSettled(owner)
    }
  }
}
