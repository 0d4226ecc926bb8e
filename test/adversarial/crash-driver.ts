import type { SandboxDriver } from '../../host/sandbox/types.js'

/**
 * A test-only driver: a `*.crash.js` function ends its worker thread when called, the way a crash
 * or a kill from outside the pool would, so the tests can see how the pool recovers.
 */
const crash: SandboxDriver = {
  kind: 'crash',
  detect: (file) => file.endsWith('.crash.js'),
  inspect: async () => ({}),
  load: async (spec) => ({
    spec,
    invoke: async () => process.exit(137),
    [Symbol.asyncDispose]: async () => undefined,
  }),
}

export const drivers = [crash]
