import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core'
import type { VendorBundle } from '../../types.js'
import { cpuLimitError, FnhostError, memoryLimitError } from '../../errors.js'
import { openGate, type GuestGate } from '../guest-gate.js'
import type { EngineState } from './errors.js'
import type { Invocation } from './invocation.js'
import { bareEngine, checkEngine, takeEngine, type Engine } from './spare.js'
import { engineBytes, heapProbed } from './heap-size.js'
import type { RanPrelude } from './template.js'
import { releaseQuickJSInstance, type QuickJSInstance } from './wasm.js'

/**
 * QuickJS checks this against the shadow stack in wasm memory; above ~256 KiB the wasm frames
 * exhaust Node's own stack first and V8's RangeError unwinds through QuickJS, poisoning it.
 */
export const MAX_STACK_BYTES = 256 * 1024

/**
 * How long past its deadline JS code is left to QuickJS's interrupt handler, the gentle stop (the
 * call unwinds inside the engine, whose memory is then reused), before the pool's watchdog may
 * stop it in place (the engine's memory is dropped): only native built-ins, which never poll the
 * handler, should still run by then (the handler ends a JS loop ~1 ms past its deadline here).
 */
export const INTERRUPT_FIRST_MS = 3

export interface RuntimeLimits {
  memoryMb: number
  timeoutMs: number
  /** The function version this runtime runs: only its own runtimes reuse its engine instance. */
  owner?: string
  /**
   * A scan-time check's runtime, dropped whole after: `syntax` compiles a file (never runs it) and
   * may take the engine made ahead (spare.ts checkEngine); `literal` evaluates a config literal,
   * in an engine where nothing has run (no prelude: its globals are not there to be reached).
   */
  check?: 'syntax' | 'literal'
}

/** Why a guest's `import` fails: there is nothing to import from. */
export function importRefused(name: string): Error {
  return new Error(
    `cannot import '${name}': fnhost bundles a function's imports when it loads it, and this one was left out (a computed name, or a module the bundler could not find)`,
  )
}

interface Fault {
  error: FnhostError
  culprit: Invocation | undefined
}

/**
 * One QuickJS runtime and context in a private wasm instance with capped memory. Guest code runs
 * only inside `enter`, which arms the caller's deadline. A host-level failure (interrupt, wasm
 * trap, V8 stack overflow, out of memory) poisons the runtime: it is dropped, never reused.
 */
export class GuestRuntime {
  readonly runtime: QuickJSRuntime
  readonly context: QuickJSContext
  /** The invocation whose code runs now; host calls from the guest act on its behalf. */
  current: Invocation | undefined
  #deadline = Infinity
  #interrupted = false
  #fault: Fault | undefined
  #disposed = false
  #faultListeners: (() => void)[] = []

  readonly instance: QuickJSInstance
  /** The prelude run ahead (a spare engine), until startPrelude takes it. */
  #ran: RanPrelude | undefined

  /** A vendor bundle compiled ahead (a spare made for a package set), until startVendor takes it. */
  #vendor: { handle: QuickJSHandle; digest: string } | undefined

  /** `packages`: the function's vendor bundle, which an engine made ahead may have compiled. */
  static async create(
    limits: RuntimeLimits,
    gate: GuestGate = openGate,
    packages?: VendorBundle,
  ): Promise<GuestRuntime> {
    const engine =
      limits.check === 'syntax'
        ? await checkEngine(limits.memoryMb)
        : limits.check === 'literal'
          ? await bareEngine(limits.memoryMb)
          : await takeEngine(limits.memoryMb, limits.owner, packages)
    return new GuestRuntime(engine, limits, gate)
  }

  private constructor(
    engine: Engine,
    readonly limits: RuntimeLimits,
    private readonly gate: GuestGate,
  ) {
    this.instance = engine.instance
    this.runtime = engine.runtime
    this.context = engine.context
    this.#ran = engine.ran
    if (engine.vendor && engine.vendorDigest)
      this.#vendor = { handle: engine.vendor, digest: engine.vendorDigest }
    this.runtime.setMaxStackSize(MAX_STACK_BYTES)
    this.runtime.setInterruptHandler(() => {
      if (Date.now() <= this.#deadline) return false
      this.#interrupted = true
      return true
    })
    this.runtime.setModuleLoader((name) => ({ error: importRefused(name) }))
  }

  /** The prelude run ahead, if this runtime's engine ran it; the caller owns its handles. */
  takeRanPrelude(): RanPrelude | undefined {
    const ran = this.#ran
    this.#ran = undefined
    return ran
  }

  /** The vendor bundle `digest` compiled ahead, if this runtime has it; the caller owns it. */
  takeVendor(digest: string): QuickJSHandle | undefined {
    const vendor = this.#vendor
    if (vendor?.digest !== digest) return undefined
    this.#vendor = undefined
    return vendor.handle
  }

  /** What the engine says happened so far, for classifying a guest exception. */
  get engine(): EngineState {
    return { interrupted: this.#interrupted, memoryRefused: this.instance.growRefused }
  }

  get faulted(): boolean {
    return this.#fault !== undefined
  }

  onFault(listener: () => void): void {
    this.#faultListeners.push(listener)
  }

  /** Runs guest code for `inv` under its deadline; host-level failures poison the runtime. */
  enter<T>(inv: Invocation, fn: () => T): T {
    if (this.#disposed) throw new Error('the QuickJS runtime was disposed')
    const fault = this.faultFor(inv)
    if (fault) throw fault
    const previous = this.current
    const previousDeadline = this.#deadline
    this.current = inv
    this.#deadline = Math.min(inv.deadline, previousDeadline)
    let result: T
    try {
      result = this.gate.run({ runId: inv.runId, deadline: inv.deadline + INTERRUPT_FIRST_MS }, fn)
    } catch (e) {
      throw this.poison(this.#hostFault(e), inv)
    } finally {
      this.current = previous
      this.#deadline = previousDeadline
    }
    if (this.#interrupted) throw this.poison(cpuLimitError(this.limits.timeoutMs), inv)
    return result
  }

  /** Marks the runtime unusable; returns the error `culprit` fails with. */
  poison(error: FnhostError, culprit: Invocation | undefined): FnhostError {
    if (!this.#fault) {
      this.#fault = { error, culprit }
      for (const listener of this.#faultListeners.splice(0)) listener()
    }
    return this.faultFor(culprit)!
  }

  /** The error an invocation fails with once the runtime is poisoned (or undefined). */
  faultFor(inv: Invocation | undefined): FnhostError | undefined {
    const f = this.#fault
    if (!f) return undefined
    if (f.culprit === inv) return f.error
    return new FnhostError(
      f.error.code,
      `another request to this function failed (${f.error.message}), and the sandbox it shared with this request was reset`,
    )
  }

  #hostFault(e: unknown): FnhostError {
    if (e instanceof FnhostError) return e
    if (e instanceof RangeError && /call stack/i.test(e.message))
      return new FnhostError(
        'GUEST_ERROR',
        'InternalError: stack overflow (the function recursed too deeply)',
        { cause: e },
      )
    // The engine's memory was refused growth (a host call copying bytes in, say): its cap.
    const { memory, capBytes, growRefused } = this.instance
    if (growRefused || memory.buffer.byteLength >= capBytes * 0.9)
      return memoryLimitError(this.limits.memoryMb, e)
    return new FnhostError('INTERNAL_ERROR', "the function's sandbox failed and was reset", {
      cause: e,
    })
  }

  /** Disposes a handle unless the runtime is gone or poisoned (then it is dropped with it). */
  release(handle: QuickJSHandle): void {
    if (!this.#fault && !this.#disposed && handle.alive) handle.dispose()
  }

  /** Bytes of its engine's memory in use (host/sandbox/quickjs/heap-size.ts); 0 once dropped. */
  memoryBytes(): number {
    return this.#disposed || this.#fault ? 0 : engineBytes(this.instance, heapProbed)
  }

  /** QuickJS heap statistics, for leak checks. */
  memoryUsage(): { usedBytes: number; objects: number } {
    const h = this.runtime.computeMemoryUsage()
    try {
      const usage = this.context.dump(h) as { memory_used_size: number; obj_count: number }
      return { usedBytes: usage.memory_used_size, objects: usage.obj_count }
    } finally {
      h.dispose()
    }
  }

  /**
   * Frees the runtime. A healthy runtime is torn down properly (QuickJS aborts if any value is
   * still referenced: that error means a leaked handle) and its wasm instance goes back to the
   * pool. A poisoned one is dropped whole, since its internal state is not worth trusting. A
   * check's runtime ran no function and its instance is never used again: its memory goes back
   * zeroed without QuickJS freeing what it holds first (that took as long as making the engine,
   * on a starting host's way to its first answer).
   */
  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    if (this.#fault) return
    if (this.limits.check)
      return releaseQuickJSInstance(this.limits.memoryMb, this.instance, this.limits.owner)
    try {
      this.#ran?.host.dispose()
      this.#ran?.internals.dispose()
      this.#vendor?.handle.dispose()
      this.context.dispose()
      this.runtime.dispose()
    } catch (e) {
      throw new Error('QuickJS runtime still held values at dispose (a leaked handle)', {
        cause: e,
      })
    }
    releaseQuickJSInstance(this.limits.memoryMb, this.instance, this.limits.owner)
  }
}
