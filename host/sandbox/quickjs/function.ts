import type { GuestResponse, Invocation } from '../../invocation.js'
import { countGuest } from '../../observe/guest-counts.js'
import type { FunctionSpec } from '../../types.js'
import type { InvokeOptions, LoadedFunction, LoadOptions } from '../types.js'
import { Sandbox, type SandboxOptions } from './sandbox.js'
import { heapProbe } from './heap-size.js'

/**
 * A loaded JS function. `isolation: "shared"` (the default for JS) keeps one sandbox across
 * requests and rebuilds it on the next request after a fault; `"request"` gives every request a
 * fresh sandbox.
 */
export class QuickjsFunction implements LoadedFunction {
  #shared: Promise<Sandbox> | undefined
  #spare: Sandbox | undefined
  #inflight = new Set<Promise<unknown>>()
  #retiring = new Set<Promise<void>>()
  /** Sandboxes that failed to dispose cleanly (a leaked value), reported by asyncDispose. */
  #disposeErrors: unknown[] = []
  #disposed = false
  /** Every sandbox that holds an engine now, until it is disposed. */
  readonly #held = new Set<Sandbox>()

  private constructor(
    readonly spec: FunctionSpec,
    private readonly options: SandboxOptions,
    first: Sandbox,
  ) {
    this.#held.add(first)
    if (this.#freshPerRequest) this.#spare = first
    else this.#shared = Promise.resolve(first)
  }

  get #freshPerRequest(): boolean {
    return this.spec.config.isolation === 'request'
  }

  /** Loads the function once up front, so a broken file fails here rather than on a request. */
  static async load(
    spec: FunctionSpec,
    options: SandboxOptions,
    load: LoadOptions = {},
  ): Promise<QuickjsFunction> {
    const first = await Sandbox.load(spec, options, load)
    // Found once per thread, usually while the worker waited for work (the driver's prepare):
    // memoryBytes() reads what it finds.
    await heapProbe()
    return new QuickjsFunction(spec, options, first)
  }

  invoke(inv: Invocation, opts: InvokeOptions): Promise<GuestResponse> {
    if (this.#disposed) return Promise.reject(new Error(`function ${this.spec.name} was disposed`))
    const run = this.#freshPerRequest ? this.#invokeFresh(inv, opts) : this.#invokeShared(inv, opts)
    this.#inflight.add(run)
    const forget = () => this.#inflight.delete(run)
    run.then(forget, forget)
    return run
  }

  /** The shared sandbox, rebuilt when the last one faulted; concurrent callers share a rebuild. */
  async #sharedSandbox(runId: number | undefined): Promise<Sandbox> {
    // The first shared sandbox comes from load(): any later one replaces a faulted one.
    if (!this.#shared) countGuest('sandboxRebuilds')
    const pending = (this.#shared ??= this.#load(runId))
    let sandbox: Sandbox
    try {
      sandbox = await pending
    } catch (e) {
      if (this.#shared === pending) this.#shared = undefined
      throw e
    }
    if (!sandbox.faulted) return sandbox
    if (this.#shared === pending) this.#shared = undefined
    this.#retire(sandbox)
    return this.#sharedSandbox(runId)
  }

  async #invokeShared(inv: Invocation, opts: InvokeOptions): Promise<GuestResponse> {
    const sandbox = await this.#sharedSandbox(opts.runId)
    try {
      return await sandbox.invoke(inv, opts)
    } finally {
      if (sandbox.faulted) this.#retire(sandbox)
    }
  }

  async #invokeFresh(inv: Invocation, opts: InvokeOptions): Promise<GuestResponse> {
    const sandbox = this.#spare ?? (await this.#load(opts.runId))
    this.#spare = undefined
    try {
      return await sandbox.invoke(inv, opts)
    } finally {
      this.#retire(sandbox)
    }
  }

  async #load(runId: number | undefined): Promise<Sandbox> {
    const sandbox = await Sandbox.load(this.spec, this.options, { runId })
    this.#held.add(sandbox)
    return sandbox
  }

  /** Bytes of engine memory the function's sandboxes use now (host/sandbox/quickjs/heap-size.ts). */
  memoryBytes(): number {
    let bytes = 0
    for (const sandbox of this.#held) bytes += sandbox.rt.memoryBytes()
    return bytes
  }

  /** Disposes a sandbox once its last invocation (including waitUntil work) has ended. */
  #retire(sandbox: Sandbox): void {
    const done = sandbox
      .whenIdle()
      .then(() => sandbox.dispose())
      .catch((e: unknown) => void this.#disposeErrors.push(e))
      .finally(() => this.#held.delete(sandbox))
    this.#retiring.add(done)
    void done.then(() => this.#retiring.delete(done))
  }

  /** Waits for in-flight requests, then frees every sandbox; throws if a QuickJS value leaked. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    await Promise.allSettled([...this.#inflight])
    const shared = await this.#shared?.catch(() => undefined)
    for (const sandbox of [shared, this.#spare]) if (sandbox) this.#retire(sandbox)
    this.#shared = undefined
    this.#spare = undefined
    while (this.#retiring.size) await Promise.all([...this.#retiring])
    const errors = this.#disposeErrors.splice(0)
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new AggregateError(errors, 'disposing the function failed')
  }
}
