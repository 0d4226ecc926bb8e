import { BroadcastChannel } from 'node:worker_threads'
import { drivers } from '../../host/sandbox/index.js'
import { checkPublic, createOutboundFetch, type Lookup } from '../../host/sandbox/outbound.js'
import { createQuickjsDriver } from '../../host/sandbox/quickjs/driver.js'
import type { FunctionLoader } from '../../host/sandbox/types.js'
import { KILL_CHANNEL, PUBLIC_STANDIN, TEST_NAMES } from './names.js'

/*
 * The workers' loader in the adversarial tests (PoolOptions.loaderModule): the real drivers, with
 * guest fetch() resolving names through TEST_NAMES, and a switch to kill a busy worker from outside.
 */

const lookup: Lookup = async (hostname) => {
  const address = TEST_NAMES[hostname]
  if (!address)
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
  return [{ address, family: 4 }]
}

const quickjs = createQuickjsDriver({
  hostFetch: createOutboundFetch({
    lookup,
    policy: (address, family) =>
      address === PUBLIC_STANDIN ? undefined : checkPublic(address, family),
    timeoutMs: 5000,
  }),
})

let inFlight = 0
const killSwitch = new BroadcastChannel(KILL_CHANNEL)
killSwitch.onmessage = () => {
  if (inFlight > 0) process.exit(137)
}
killSwitch.unref()

export const loadInProcess: FunctionLoader = async (spec) => {
  const fn = await (spec.kind === 'quickjs' ? quickjs : drivers[spec.kind]).load(spec)
  return {
    spec: fn.spec,
    async invoke(req, opts) {
      inFlight++
      try {
        return await fn.invoke(req, opts)
      } finally {
        inFlight--
      }
    },
    [Symbol.asyncDispose]: () => fn[Symbol.asyncDispose](),
  }
}
