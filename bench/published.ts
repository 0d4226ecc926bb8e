/**
 * Published figures we compare with. Other machines and other load settings: compare ratios, not
 * absolute numbers.
 */
export const PUBLISHED = {
  isere: {
    what: 'isère (C + QuickJS on FreeRTOS/Linux) vs Node 20 hello world, Linux build',
    quickjsRps: 300.86,
    node20Rps: 18_902.95,
    ratio: 300.86 / 18_902.95,
    settings: 'wrk -t12 -c400 -d10s, WSL2 on an Intel i5-9400F, 16 GB',
    source: 'BENCHMARK.md in the isère repository (github.com/jeeyo/isere)',
  },
  wasmtimeServe: {
    what: 'wasmtime serve, wasi:http hello world',
    rpsLow: 36_000,
    rpsHigh: 39_000,
    source:
      'figure quoted in fnhost issue #5 (wasmtime serve hello-world runs); no primary page reachable from the bench machine',
  },
  spin: {
    what: 'Spin no-op HTTP component, per-request latency',
    latencyUs: 50,
    source:
      'figure quoted in fnhost issue #5 (Fermyon Spin no-op request); no primary page reachable from the bench machine',
  },
} as const
