import type { HttpInvocation } from '../invocation.js'
import { discardLog } from '../observe/invocation-log.js'
import type { DriverSet } from '../sandbox/index.js'

const WARMUP_REQUEST: HttpInvocation = {
  type: 'http',
  method: 'GET',
  url: 'http://warmup/',
  path: '/',
  query: '',
  route: '/',
  params: {},
  headers: [],
  body: null,
  requestId: 'warmup',
}

/**
 * Loads and calls each driver's warm-up function once, so engines compile before traffic; what
 * went wrong, if anything (the worker serves anyway).
 */
export async function warmUp(drivers: DriverSet): Promise<string | undefined> {
  try {
    for (const driver of drivers.drivers) {
      const spec = driver.warmup?.()
      if (!spec) continue
      await using fn = await driver.load(spec)
      const res = await fn.invoke(WARMUP_REQUEST, {
        deadline: Date.now() + spec.config.timeoutMs,
        signal: new AbortController().signal,
        log: discardLog,
      })
      if (res.body !== null && !(res.body instanceof Uint8Array)) await drain(res.body)
    }
    return undefined
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  }
}

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<void> {
  const it = chunks[Symbol.asyncIterator]()
  while (!(await it.next()).done);
}
