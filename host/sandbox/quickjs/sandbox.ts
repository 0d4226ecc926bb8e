import type { QuickJSHandle } from 'quickjs-emscripten-core'
import { FnhostError } from '../../errors.js'
import { kvGrantsFor, type KvGrants } from '../../kv/grants.js'
import type { FunctionSpec } from '../../types.js'
import { limitSubrequests, type HostFetch } from '../outbound.js'
import type { GuestGate } from '../guest-gate.js'
import type { InvokeOptions, LoadOptions } from '../types.js'
import { loadFailure, loadModule, startPrelude, type PreludeHandles } from './boot.js'
import { EventLoop } from './event-loop.js'
import { arrayBufferOf } from './hostcalls.js'
import type { GuestResponse, Invocation as HostInvocation } from '../../invocation.js'
import { Invocation, LoadLog, noFetch } from './invocation.js'
import { mappedError, mappedLog, stackMapperOf } from './mapped.js'
import { buildResponse, requestPayload, type Style } from './marshal.js'
import { GuestRuntime } from './runtime.js'
import { guestFilename } from './source.js'
import { loadSettled } from './spare.js'
import { startVendor } from './vendor.js'
import { phaseMark } from '../../observe/phase-marks.js'

export interface SandboxOptions {
  hostFetch: HostFetch
  maxSubrequests: number
  /** Default: an open gate (no watchdog). */
  gate?: GuestGate
}

const neverAborted = new AbortController().signal

/**
 * One loaded function in one QuickJS runtime: the prelude, the evaluated module and its bound
 * handler. Invocations may overlap (they interleave at awaits). Owns wasm memory: dispose it.
 */
export class Sandbox {
  readonly spec: FunctionSpec
  #style: Style = 'fetch'
  #loop: EventLoop
  #kvBindings: string[]
  #prelude: PreludeHandles | undefined
  #loadLog: LoadLog | undefined = new LoadLog()
  #disposed = false
  readonly #mapper

  private constructor(
    spec: FunctionSpec,
    readonly rt: GuestRuntime,
    private readonly options: SandboxOptions,
    grants: KvGrants | undefined,
  ) {
    this.spec = spec
    this.#kvBindings = grants ? Object.keys(grants.bindings) : []
    this.#loop = new EventLoop(rt, grants)
    this.#mapper = stackMapperOf(spec)
  }

  static async load(
    spec: FunctionSpec,
    options: SandboxOptions,
    load: LoadOptions = {},
  ): Promise<Sandbox> {
    const filename = guestFilename(spec)
    const { memoryMb, timeoutMs } = spec.config
    const grants = await kvGrantsFor(spec)
    let rt: GuestRuntime
    try {
      const owner = `${spec.name}@${spec.version}`
      rt = await GuestRuntime.create({ memoryMb, timeoutMs, owner }, options.gate, spec.vendor)
    } catch (e) {
      throw loadFailure(filename, e)
    }
    phaseMark('w:engine')
    const sandbox = new Sandbox(spec, rt, options, grants)
    try {
      await sandbox.#boot(filename, load)
      return sandbox
    } catch (e) {
      // A half-booted runtime may still hold values: mark it poisoned so it is dropped whole.
      rt.poison(new FnhostError('FUNCTION_LOAD_FAILED', 'load failed'), undefined)
      sandbox.dispose()
      throw loadFailure(filename, mappedError(e, stackMapperOf(spec)))
    } finally {
      loadSettled(memoryMb, spec.vendor)
    }
  }

  get faulted(): boolean {
    return this.rt.faulted
  }

  async #boot(filename: string, load: LoadOptions): Promise<void> {
    const { config, name } = this.spec
    const inv = new Invocation({
      deadline: load.deadline ?? Date.now() + config.timeoutMs,
      runId: load.runId,
      log: this.#loadLog!,
      signal: neverAborted,
      fetch: noFetch,
    })
    this.#loop.begin(inv)
    try {
      const init = {
        env: config.env,
        functionName: name,
        memoryMb: config.memoryMb,
        kv: this.#kvBindings,
        timeOrigin: Date.now(),
      }
      this.#prelude = startPrelude(this.rt, this.#loop, inv, init)
      phaseMark('w:prelude')
      if (this.spec.vendor) startVendor(this.rt, this.#loop, inv, this.spec.vendor)
      phaseMark('w:vendor')
      this.#style = await loadModule(this.rt, this.#loop, inv, this.#prelude, this.spec, filename)
    } finally {
      this.#loop.finish(inv)
    }
  }

  /** Runs one request through the handler; rejects with an FnhostError. */
  async invoke(invocation: HostInvocation, opts: InvokeOptions): Promise<GuestResponse> {
    try {
      const mapped = this.#mapper ? { ...opts, log: mappedLog(opts.log, this.#mapper) } : opts
      return await this.#invoke(invocation, mapped)
    } catch (e) {
      throw mappedError(e, this.#mapper)
    }
  }

  async #invoke(invocation: HostInvocation, opts: InvokeOptions): Promise<GuestResponse> {
    if (this.#disposed) throw new Error('this QuickJS sandbox was disposed')
    const { rt } = this
    const ctx = rt.context
    const loop = this.#loop
    phaseMark('w:invoke')
    const payload = requestPayload(invocation, this.#style, opts.deadline)
    const inv = new Invocation({
      deadline: opts.deadline,
      runId: opts.runId,
      log: opts.log,
      signal: opts.signal,
      fetch: limitSubrequests(
        this.options.hostFetch,
        this.options.maxSubrequests,
        this.spec.config.memoryMb * 1024 * 1024,
      ),
    })
    this.#loadLog?.flushInto(opts.log)
    this.#loadLog = undefined
    loop.begin(inv)
    let wait: QuickJSHandle | undefined
    try {
      const call = rt.enter(inv, () => {
        const meta = ctx.newString(payload.meta)
        const body = payload.body ? ctx.newArrayBuffer(arrayBufferOf(payload.body)) : ctx.undefined
        try {
          return ctx.callFunction(this.#prelude!.invoke, ctx.undefined, meta, body)
        } finally {
          meta.dispose()
          body.dispose()
        }
      })
      const promise = loop.unwrap(inv, call)
      let parts: ReturnType<Sandbox['readParts']>
      try {
        const value = await loop.settle(inv, promise)
        try {
          parts = this.readParts(inv, value)
          wait = parts.wait
        } finally {
          rt.release(value)
        }
      } finally {
        rt.release(promise)
      }
      const response = buildResponse(parts.meta, parts.body)
      if (wait) {
        const after = this.#finishLater(inv, wait)
        if (opts.waitUntil) opts.waitUntil(after)
        else void after
      }
      return response
    } catch (e) {
      if (wait) rt.release(wait)
      wait = undefined
      throw e
    } finally {
      if (!wait) loop.finish(inv)
    }
  }

  /**
   * Reads the prelude's answer: meta JSON alone (a text body inside it), or [meta JSON, bytes,
   * waitUntil promise]. The caller owns the wait handle.
   */
  private readParts(inv: Invocation, value: QuickJSHandle) {
    const ctx = this.rt.context
    return this.rt.enter(inv, () => {
      if (ctx.typeof(value) === 'string')
        return { meta: ctx.getString(value), body: undefined, wait: undefined }
      const [m, b, w] = [0, 1, 2].map((i) => ctx.getProp(value, i)) as [
        QuickJSHandle,
        QuickJSHandle,
        QuickJSHandle,
      ]
      const meta = ctx.getString(m)
      m.dispose()
      let body: Uint8Array<ArrayBuffer> | undefined
      if (ctx.typeof(b) === 'object') {
        const view = ctx.getArrayBuffer(b)
        body = view.value.slice()
        view.dispose()
      }
      b.dispose()
      let wait: QuickJSHandle | undefined = w
      if (ctx.typeof(w) === 'undefined') {
        w.dispose()
        wait = undefined
      }
      return { meta, body, wait }
    })
  }

  /** ctx.waitUntil() work: runs after the response is returned, until it settles or the deadline. */
  async #finishLater(inv: Invocation, wait: QuickJSHandle): Promise<void> {
    try {
      this.rt.release(await this.#loop.settle(inv, wait))
    } catch (e) {
      inv.log.write('error', `waitUntil work did not finish: ${(e as Error).message}`)
    } finally {
      this.rt.release(wait)
      this.#loop.finish(inv)
    }
  }

  whenIdle(): Promise<void> {
    return this.#loop.whenIdle()
  }

  memoryUsage(): { usedBytes: number; objects: number } {
    return this.rt.memoryUsage()
  }

  /** Frees the runtime; throws if a QuickJS value leaked (a healthy runtime only). */
  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    this.#loop.dispose()
    if (this.#prelude) for (const h of Object.values(this.#prelude)) this.rt.release(h)
    this.rt.dispose()
  }
}
