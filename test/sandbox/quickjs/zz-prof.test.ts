import { test } from 'vitest'
import { readFileSync } from 'node:fs'
import { GuestRuntime } from '../../../host/sandbox/quickjs/runtime.js'
import { Invocation, noFetch } from '../../../host/sandbox/quickjs/invocation.js'
import { transformSync } from 'esbuild'

test('prof', async () => {
  const rt = await GuestRuntime.create({ memoryMb: 128, timeoutMs: 1000 })
  const inv = new Invocation({
    deadline: Date.now() + 50000,
    log: { full: false, write() {} },
    signal: new AbortController().signal,
    fetch: noFetch,
  })
  const time = (src: string) => {
    let best = Infinity
    for (let i = 0; i < 5; i++) {
      const t = performance.now()
      const r = rt.enter(inv, () =>
        rt.context.evalCode('(function(){' + src + '\n})', 'p', {
          type: 'global',
          compileOnly: true,
        }),
      )
      best = Math.min(best, performance.now() - t)
      if (r.error) {
        console.log(rt.context.dump(r.error))
        r.error.dispose()
      } else r.value.dispose()
    }
    return best
  }
  for (const f of [
    'base',
    'events',
    'encoding',
    'url',
    'search-params',
    'headers',
    'streams',
    'body',
    'console',
    'timers',
    'clone',
    'crypto',
    'fetch',
    'conventions',
    'globals',
  ]) {
    const src = readFileSync(`guests/js/${f}.js`, 'utf8')
    const min = transformSync(src, { minify: true, loader: 'js' }).code
    console.log(
      f.padEnd(14),
      (src.length / 1024).toFixed(1),
      'KB',
      time(src).toFixed(2),
      'ms; minified',
      (min.length / 1024).toFixed(1),
      time(min).toFixed(2),
      'ms; ws-only',
      time(transformSync(src, { minifyWhitespace: true, loader: 'js' }).code).toFixed(2),
    )
  }
  rt.dispose()
}, 60_000)
