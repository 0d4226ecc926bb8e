import { test } from 'vitest'
import { quickjsDriver } from '../../../host/sandbox/quickjs/driver.js'
import { preludeSource } from '../../../host/sandbox/quickjs/prelude.js'
import { specFor } from '../../helpers/spec.js'

const log = { full: false, write: () => {} }
const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!
test('bench', async () => {
  console.log('prelude KB', preludeSource().length / 1024)
  const src = `export default { fetch(req) { return new Response('ok') } }`
  for (const isolation of ['shared', 'request'] as const) {
    const spec = specFor('/tmp/h.js', { source: src, config: { isolation } })
    const loads: number[] = []
    for (let i = 0; i < 20; i++) {
      const t = performance.now()
      const fn = await quickjsDriver.load(spec)
      loads.push(performance.now() - t)
      await fn[Symbol.asyncDispose]()
    }
    const fn = await quickjsDriver.load(spec)
    const calls: number[] = []
    const n = isolation === 'shared' ? 3000 : 300
    for (let i = 0; i < n; i++) {
      const t = performance.now()
      const res = await fn.invoke(new Request('http://x/h'), {
        deadline: Date.now() + 1000,
        signal: new AbortController().signal,
        requestId: 'r',
        params: {},
        log,
      })
      await res.text()
      calls.push(performance.now() - t)
    }
    await fn[Symbol.asyncDispose]()
    console.log(
      isolation,
      'load median',
      q(loads, 0.5).toFixed(2),
      'call median',
      (q(calls.slice(n / 10), 0.5) * 1000).toFixed(0),
      'us p99',
      (q(calls.slice(n / 10), 0.99) * 1000).toFixed(0),
      'us',
    )
  }
}, 120_000)
