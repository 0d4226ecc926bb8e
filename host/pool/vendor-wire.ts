import type { FunctionSpec, VendorBundle } from '../types.js'

/*
 * A function's vendor bundle (its packages, ~1 MB of code and source map for Hono and a data
 * package) crosses to a worker once: later specs name it by digest. Copying it into every load
 * message cost both threads a structured clone of it, and the worker its garbage, on every new
 * function's path.
 */

/** A spec as it crosses to a worker: its vendor bundle whole, or named by digest. */
export type WireSpec = Omit<FunctionSpec, 'vendor'> & { vendor?: VendorBundle | { digest: string } }

/** Vendor bundles a worker keeps for specs that name them: the most recently sent. */
export const KEPT_VENDORS = 4

/** What one worker keeps, as the main thread tracks it. */
export class VendorsSent {
  /** Digests, least recently sent first. */
  private readonly kept: string[] = []

  /** The spec to post, and the bundle the worker is to drop now (`forget`), if any. */
  wire(spec: FunctionSpec): { spec: WireSpec; forget?: string } {
    const vendor = spec.vendor
    if (!vendor) return { spec }
    const at = this.kept.indexOf(vendor.digest)
    if (at >= 0) this.kept.splice(at, 1)
    this.kept.push(vendor.digest)
    if (at >= 0) return { spec: { ...spec, vendor: { digest: vendor.digest } } }
    return { spec, forget: this.kept.length > KEPT_VENDORS ? this.kept.shift() : undefined }
  }
}

/** The worker's side: the bundles it was sent whole and not yet told to drop. */
export class VendorsKept {
  private readonly kept = new Map<string, VendorBundle>()

  /** The spec with its vendor bundle whole; throws if it names one this worker does not keep. */
  spec(wire: WireSpec, forget?: string): FunctionSpec {
    if (forget !== undefined) this.kept.delete(forget)
    const vendor = wire.vendor
    if (!vendor) return wire as FunctionSpec
    if ('code' in vendor) {
      this.kept.set(vendor.digest, vendor)
      return wire as FunctionSpec
    }
    const known = this.kept.get(vendor.digest)
    if (!known) throw new Error(`this worker was never sent vendor bundle ${vendor.digest}`)
    return { ...wire, vendor: known }
  }
}
