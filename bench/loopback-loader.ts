import { checkPublic, createOutboundFetch } from '../host/sandbox/outbound.js'
import { loadInProcess as loadDefault } from '../host/sandbox/index.js'
import { createQuickjsDriver } from '../host/sandbox/quickjs/driver.js'
import type { FunctionLoader } from '../host/sandbox/types.js'

/**
 * The pool's loader for the js-fetch scenario: the stock drivers, except that guest fetch() may
 * also reach 127.0.0.1, where the bench's upstream listens. Every other address still goes
 * through the public-only policy, redirects included.
 */
const quickjs = createQuickjsDriver({
  hostFetch: createOutboundFetch({
    policy: (address, family) =>
      address === '127.0.0.1' ? undefined : checkPublic(address, family),
  }),
})

export const loadInProcess: FunctionLoader = (spec) =>
  spec.kind === 'quickjs' ? quickjs.load(spec) : loadDefault(spec)
