import { describe, expect, it } from 'vitest'
import { KEPT_VENDORS, VendorsKept, VendorsSent } from '../../host/pool/vendor-wire.js'
import type { FunctionSpec, VendorBundle } from '../../host/types.js'
import { specFor } from '../helpers/spec.js'

const vendor = (n: number): VendorBundle => ({
  digest: `digest-${n}`,
  code: new TextEncoder().encode(`(function () { /* packages ${n} */ })`),
  map: `{"version":3,"mappings":"","sources":[],"names":[],"n":${n}}`,
})

const specWith = (name: string, v?: VendorBundle): FunctionSpec => ({
  ...specFor(`/functions/${name}.js`, { source: 'export default {}' }),
  ...(v && { vendor: v }),
})

/** Posts `spec` through both ends, as a structured clone would carry it. */
function cross(sent: VendorsSent, kept: VendorsKept, spec: FunctionSpec) {
  const { spec: wire, forget } = sent.wire(spec)
  const copied = structuredClone(wire)
  return { wire: copied, spec: kept.spec(copied, forget) }
}

describe('vendor bundles crossing to a worker', () => {
  it('sends a bundle whole once, then by digest, and the worker restores it', () => {
    const sent = new VendorsSent()
    const kept = new VendorsKept()
    const first = cross(sent, kept, specWith('a', vendor(1)))
    expect(first.wire.vendor).toHaveProperty('code')
    const second = cross(sent, kept, specWith('b', vendor(1)))
    expect(second.wire.vendor).toEqual({ digest: 'digest-1' })
    expect(second.spec.vendor).toBe(first.spec.vendor)
    expect(second.spec.vendor?.map).toBe(vendor(1).map)
    expect(cross(sent, kept, specWith('c')).spec.vendor).toBeUndefined()
  })

  it('drops the least recently sent bundle past the limit, and sends it whole again', () => {
    const sent = new VendorsSent()
    const kept = new VendorsKept()
    for (let n = 1; n <= KEPT_VENDORS; n++) cross(sent, kept, specWith(`f${n}`, vendor(n)))
    // Bundle 1 used again: bundle 2 is now the least recently sent.
    expect(cross(sent, kept, specWith('g', vendor(1))).wire.vendor).not.toHaveProperty('code')
    const { forget } = sent.wire(specWith('h', vendor(KEPT_VENDORS + 1)))
    expect(forget).toBe('digest-2')
    kept.spec(specWith('h', vendor(KEPT_VENDORS + 1)), forget)
    expect(() => kept.spec({ ...specWith('i'), vendor: { digest: 'digest-2' } })).toThrow(
      /never sent vendor bundle digest-2/,
    )
    expect(cross(sent, kept, specWith('j', vendor(2))).wire.vendor).toHaveProperty('code')
    expect(cross(sent, kept, specWith('k', vendor(1))).spec.vendor?.digest).toBe('digest-1')
  })
})
