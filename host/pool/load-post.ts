import type { FunctionSpec } from '../types.js'
import { VendorsSent } from './vendor-wire.js'
import type { PoolWorker } from './worker-handle.js'

/**
 * The loads the pool posts to its workers, and what each worker has been sent: which worker was
 * given a load last (so loads alternate), the vendor bundles it keeps (sent once by digest), and the
 * package set it was last told of.
 */
export class LoadPost {
  /** Loads posted in all. */
  count = 0
  /** The load count when each worker was last given a load. */
  private readonly loadedAt = new WeakMap<PoolWorker, number>()
  /** The package set each worker was last told of or loaded (expectElsewhere). */
  private readonly expected = new WeakMap<PoolWorker, string>()
  private readonly vendorsSent = new WeakMap<PoolWorker, VendorsSent>()

  /**
   * Less than one invocation's worth (0 to 1/2), more for a worker given a load more recently: of
   * workers equally busy, a load goes to the one that loaded least recently. A worker makes its
   * next engine ahead after each load (host/sandbox/quickjs/spare.ts); new functions written back
   * to back then find one made, instead of each waiting on the one worker still making it.
   */
  readonly order = (w: PoolWorker): number => (this.loadedAt.get(w) ?? 0) / (this.count + 1) / 2

  /** Posts the load of function `fn` (task `task`) to `worker`; `others`: the workers serving. */
  post(
    worker: PoolWorker,
    load: { task: number; fn: number; spec: FunctionSpec; deadline: number },
    others: Iterable<PoolWorker>,
  ): void {
    this.count++
    this.loadedAt.set(worker, this.count)
    const { spec, forget } = this.wire(worker, load.spec)
    worker.post({ type: 'load', ...load, spec, forgetVendor: forget })
    this.expectElsewhere(load.spec, worker, others)
  }

  /**
   * Tells the other workers of a function whose packages were bundled apart (its spec's vendor
   * bundle), once per package set each: they prepare its engines, so the next function of that
   * set finds them ready wherever it lands.
   */
  private expectElsewhere(spec: FunctionSpec, loading: PoolWorker, others: Iterable<PoolWorker>) {
    const digest = spec.vendor?.digest
    if (digest === undefined) return
    for (const w of others) {
      if (w === loading || this.expected.get(w) === digest) continue
      this.expected.set(w, digest)
      const wire = this.wire(w, spec)
      w.post({ type: 'expect', spec: wire.spec, forgetVendor: wire.forget })
    }
    this.expected.set(loading, digest)
  }

  /** `spec` as it crosses to `worker`: a vendor bundle it keeps is named, not copied. */
  private wire(worker: PoolWorker, spec: FunctionSpec) {
    let sent = this.vendorsSent.get(worker)
    if (!sent) this.vendorsSent.set(worker, (sent = new VendorsSent()))
    return sent.wire(spec)
  }
}
