import { CONFIG_DEFAULTS } from '../../config-defaults.js'
import { createOutboundFetch, OUTBOUND_DEFAULTS, type HostFetch } from '../outbound.js'
import { openGate } from '../guest-gate.js'
import type { SandboxDriver } from '../types.js'
import { QuickjsFunction } from './function.js'
import { inspectSource } from './inspect.js'
import { expectPackages, prepareSpare } from './spare.js'
import { internVendor } from './vendor.js'
import { heapProbe } from './heap-size.js'
import { quickjsWasmModule } from './wasm.js'

export interface QuickjsDriverOptions {
  /** Where guest fetch() goes; default: the public-addresses-only outbound fetch. */
  hostFetch?: HostFetch
  /** Subrequests allowed per invocation (default 50). */
  maxSubrequests?: number
}

/** Runs .js/.mjs/.cjs/.ts/.mts/.cts functions (bundled at scan time), each in its own QuickJS instance. */
export function createQuickjsDriver(options: QuickjsDriverOptions = {}): SandboxDriver {
  let hostFetch = options.hostFetch
  return {
    kind: 'quickjs',
    detect: (file) => /\.(?:js|mjs|cjs|ts|mts|cts)$/.test(file),
    inspect: inspectSource,
    load: (spec, opts = {}) =>
      QuickjsFunction.load(
        spec.vendor ? { ...spec, vendor: internVendor(spec.vendor) } : spec,
        {
          hostFetch: (hostFetch ??= createOutboundFetch()),
          maxSubrequests: options.maxSubrequests ?? OUTBOUND_DEFAULTS.maxSubrequests,
          gate: opts.gate ?? openGate,
        },
        opts,
      ),
    // A failed compile is met again, and reported, by the first load.
    prepare: () =>
      void quickjsWasmModule().then(
        () => {
          prepareSpare(CONFIG_DEFAULTS.memoryMb)
          void heapProbe()
        },
        () => undefined,
      ),
    expect: (spec) => {
      if (spec.vendor) expectPackages(spec.config.memoryMb, spec.vendor)
    },
    warmup: () => ({
      name: '_fnhost/warmup',
      file: '/_fnhost/warmup.js',
      kind: 'quickjs',
      routes: [],
      config: { ...CONFIG_DEFAULTS },
      source: new TextEncoder().encode(`export default { fetch: () => new Response('') }`),
      version: 'warmup',
    }),
  }
}

export const quickjsDriver: SandboxDriver = createQuickjsDriver()
