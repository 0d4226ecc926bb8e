import { extname } from 'node:path'
import { FnhostError, isFnhostError } from '../errors.js'
import type { FunctionLoader, LoadedFunction } from '../sandbox/types.js'
import type { FunctionSpec } from '../types.js'
import { clientReason } from './load-reason.js'
import type { LoadFailure } from './scan.js'
import { phaseMark } from '../observe/phase-marks.js'

/**
 * After a load fails, requests get that failure at once for this long, doubling after every
 * failed retry up to the maximum: a load that hangs (top-level code looping) would otherwise hold
 * a worker until the watchdog, on every request. A changed file is a new slot, loaded afresh.
 */
export const LOAD_RETRY_FIRST_MS = 5_000
export const LOAD_RETRY_MAX_MS = 5 * 60_000

/** Failures that say something about the file itself (not about the host's load at the time). */
const REMEMBERED: ReadonlySet<string> = new Set([
  'FUNCTION_LOAD_FAILED',
  'CPU_LIMIT',
  'MEMORY_LIMIT',
])

/**
 * One version of one function. It loads lazily, counts the requests running on it, and once
 * retired (replaced or deleted) disposes its sandbox only after the last of them finishes.
 */
export class Slot {
  private loaded?: Promise<LoadedFunction>
  private inflight = 0
  private retired = false
  private drained: () => void = () => {}
  private loadFailed?: { error: FnhostError; retryAt: number; backoffMs: number }

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

  /** Why the file failed to scan, as clients are told. */
  get failure(): string | undefined {
    return 'failure' in this.outcome ? this.outcome.failure.reason : undefined
  }

  /** The functions folder: the file's path without its name relative to the folder. */
  private get dir(): string {
    const rel = this.name + extname(this.file)
    return this.file.slice(0, this.file.length - rel.length - 1)
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
    const failed = this.loadFailed
    if (failed && Date.now() < failed.retryAt) throw failed.error
    this.inflight++
    try {
      if (!this.loaded) phaseMark('load:start', this.name)
      const loading = (this.loaded ??= loader(spec))
      let loaded: LoadedFunction
      try {
        loaded = await loading
      } catch (e) {
        // The loaded promise is dropped; the failure is remembered only if it is the file's own.
        if (this.loaded === loading) this.loaded = undefined
        throw this.remember(e)
      }
      phaseMark('load:done', this.name)
      this.loadFailed = undefined
      return await fn(loaded)
    } finally {
      this.inflight--
      // A request that matched just before the swap may still arrive here after retire(): the
      // last one out disposes whatever it loaded.
      if (this.retired && this.inflight === 0) void this.disposeLoaded().then(this.drained)
    }
  }

  /** Loads ahead of serving; resolves to why the load failed, or undefined once it is ready. */
  async preload(loader: FunctionLoader): Promise<string | undefined> {
    try {
      await this.run(loader, async () => undefined)
      return undefined
    } catch (e) {
      return (e as Error).message
    }
  }

  /** The load failure as clients see it (no host paths), remembered with a backoff when it is the file's own. */
  private remember(e: unknown): FnhostError {
    const code = isFnhostError(e) ? e.code : 'FUNCTION_LOAD_FAILED'
    const message = isFnhostError(e)
      ? e.message
      : `function ${this.name} failed to load: ${(e as Error).message}`
    const error =
      isFnhostError(e) && message === clientReason(message, this.dir)
        ? e
        : new FnhostError(code, clientReason(message, this.dir), {
            cause: e,
            retryAfterS: isFnhostError(e) ? e.retryAfterS : undefined,
            headers: isFnhostError(e) ? e.headers : undefined,
          })
    if (!REMEMBERED.has(error.code)) return error
    const previous = this.loadFailed?.backoffMs
    const backoffMs = previous ? Math.min(previous * 2, LOAD_RETRY_MAX_MS) : LOAD_RETRY_FIRST_MS
    this.loadFailed = { error, retryAt: Date.now() + backoffMs, backoffMs }
    return error
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
