import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createPool, type WorkerPool } from '../../host/pool/index.js'
import { packageRoot } from '../../host/paths.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { invokeHttp } from '../helpers/invoke.js'
import { specFor } from '../helpers/spec.js'
import { scaled } from '../helpers/time.js'
import { invokeOptions } from '../helpers/wasm.js'

const PROBE = pathToFileURL(join(packageRoot, 'test/fixtures/component/probe-driver.ts')).href

describe('the worker serving components', () => {
  let pool: WorkerPool | undefined
  let cache: TempDir | undefined
  afterEach(async () => {
    await pool?.[Symbol.asyncDispose]()
    await cache?.[Symbol.asyncDispose]()
    pool = cache = undefined
  })

  it(
    'never loads @bytecodealliance/preview2-shim (nor the transpiler) while it loads and serves one',
    async () => {
      cache = await functionsDir()
      pool = createPool({
        workers: 1,
        warmup: false,
        drivers: { modules: [PROBE], componentCacheDir: cache.path },
      })
      const file = join(packageRoot, 'wasm/examples/component-hello.wasm')
      const hello = await pool.load(specFor(file, { kind: 'component', name: 'hello' }))
      for (const name of ['a', 'b']) {
        const res = await invokeHttp(
          hello,
          new Request(`http://h/hello?name=${name}`),
          invokeOptions().opts,
        )
        expect(await res.text()).toBe(`Hello, ${name}! (component)`)
      }
      const probe = await pool.load(
        specFor(file, { kind: 'probe', name: 'probe', source: readFileSync(file) }),
      )
      const seen = (await (
        await invokeHttp(probe, new Request('http://h/probe'), invokeOptions().opts)
      ).json()) as string[]
      // The probe saw the worker import the transpiled component: it watches the right thread.
      expect(seen.some((url) => url.startsWith(pathToFileURL(cache!.path).href))).toBe(true)
      expect(seen.filter((url) => url.includes('preview2-shim'))).toEqual([])
      expect(seen.filter((url) => url.includes('jco-transpile/'))).toEqual([])
    },
    scaled(60_000),
  )
})
