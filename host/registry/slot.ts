import { FnhostError, isFnhostError } from '../errors.js'
import type { FunctionLoader, LoadedFunction } from '../sandbox/types.js'
import type { FunctionSpec } from '../types.js'
import type { LoadFailure } from './scan.js'

/**
 * One version of one function. It loads lazily, counts the requests running on it, and once
 * retired (replaced or deleted) disposes its sandbox only after the last of them finishes.
 */
export class Slot {
  private loaded?: Promise<LoadedFunction>
  private inflight = 0
  private retired = false
  private drained: () => void = () => {}

  constructor(
    readonly name: string,
    readonly file: string,
    readonly routes: string[],
    readonly outcome: { spec: FunctionSpec } | { failure: LoadFailure },
  ) {}

  static fromFailure(failure: LoadFailure): Slot {
    return new Slot(failure.name, failure.file, failure.routes, { failure })
  }

  static fromSpec(spec: FunctionSpec): Slot {
    return new Slot(spec.name, spec.file, spec.routes, { spec })
  }

  get spec(): FunctionSpec | undefined {
    return 'spec' in this.outcome ? this.outcome.spec : undefined
  }

  get failure(): string | undefined {
    return 'failure' in this.outcome ? this.outcome.failure.reason : undefined
  }

  get version(): string {
    return 'spec' in this.outcome
      ? this.outcome.spec.version
      : `failed:${this.outcome.failure.reason}`
  }

  async run<T>(loader: FunctionLoader, fn: (f: LoadedFunction) => Promise<T>): Promise<T> {
    const spec = this.spec
    if (!spec)
      throw new FnhostError(
        'FUNCTION_LOAD_FAILED',
        `function ${this.name} failed to load: ${this.failure}`,
      )
    this.inflight++
    try {
      this.loaded ??= loader(spec)
      let loaded: LoadedFunction
      try {
        loaded = await this.loaded
      } catch (e) {
        // A failed load is not kept: the next request tries again (the cause may have been transient).
        this.loaded = undefined
        if (isFnhostError(e)) throw e
        throw new FnhostError(
          'FUNCTION_LOAD_FAILED',
          `function ${this.name} failed to load: ${(e as Error).message}`,
          {
            cause: e,
          },
        )
      }
      return await fn(loaded)
    } finally {
      this.inflight--
      // A request that matched just before the swap may still arrive here after retire(): the
      // last one out disposes whatever it loaded.
      if (this.retired && this.inflight === 0) void this.disposeLoaded().then(this.drained)
    }
  }

  /** Takes the slot out of service: resolves once in-flight requests finish and the sandbox is disposed. */
  retire(): Promise<void> {
    this.retired = true
    if (this.inflight === 0) return this.disposeLoaded()
    return new Promise<void>((resolve) => (this.drained = resolve))
  }

  private async disposeLoaded(): Promise<void> {
    const loaded = this.loaded
    this.loaded = undefined
    if (loaded)
      await loaded.then(
        (f) => f[Symbol.asyncDispose](),
        () => undefined,
      )
  }
}
