import type { QuickJSHandle } from 'quickjs-emscripten-core'
import type { VendorBundle } from '../../types.js'
import type { EventLoop } from './event-loop.js'
import type { Invocation } from './invocation.js'
import type { GuestRuntime } from './runtime.js'
import { decodeSource } from './source.js'

/**
 * The name guest stack frames in the vendor bundle carry until the source map turns them into
 * package files: no function is named this (node_modules is never a function).
 */
export const VENDOR_FILENAME = 'node_modules.js'

let decoded: { digest: string; source: string } | undefined

/** Vendor bundles by digest, as this thread holds them (each load message brings a copy). */
const held = new Map<string, WeakRef<VendorBundle>>()

/**
 * The one copy of `vendor` this thread keeps while any function holds it: every function of a
 * package set arrives with its own copy of the same bytes, which would otherwise stay with it.
 */
export function internVendor(vendor: VendorBundle): VendorBundle {
  const known = held.get(vendor.digest)?.deref()
  if (known) return known
  for (const [digest, ref] of held) if (!ref.deref()) held.delete(digest)
  held.set(vendor.digest, new WeakRef(vendor))
  return vendor
}

/** The vendor bundle as text (the last one decoded is kept: a worker serves one set at a time). */
export function vendorSource(vendor: VendorBundle): string {
  if (decoded?.digest !== vendor.digest)
    decoded = { digest: vendor.digest, source: decodeSource(vendor.code) }
  return decoded.source
}

/**
 * Runs the vendor bundle in the function's own engine, after the prelude and before the
 * function: it defines the registry the function's imports of packages go through; each package
 * runs on its first import. Compiled here unless the engine was made ahead with it.
 */
export function startVendor(
  rt: GuestRuntime,
  loop: EventLoop,
  inv: Invocation,
  vendor: VendorBundle,
): void {
  const ctx = rt.context
  const compiled: QuickJSHandle =
    rt.takeVendor(vendor.digest) ??
    loop.unwrap(
      inv,
      rt.enter(inv, () => ctx.evalCode(vendorSource(vendor), VENDOR_FILENAME, { type: 'global' })),
    )
  try {
    const result = rt.enter(inv, () => ctx.callFunction(compiled, ctx.undefined))
    rt.release(loop.unwrap(inv, result))
  } finally {
    rt.release(compiled)
  }
}
