import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../../host/paths.js'
import { prepareComponent } from '../../host/sandbox/component/transpile.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, type TestHost } from '../helpers/host.js'
import { scaled } from '../helpers/time.js'
import { transpiledCache } from '../helpers/transpiled.js'

/*
 * A component written in JavaScript with componentize-js (StarlingMonkey, ~14 MB), built by the
 * jco CLI from test/fixtures/component/js: the most common way to write a component in JS, served
 * like any other wasi:http component.
 */

const FIXTURE = join(packageRoot, 'test/fixtures/component/js')
/** componentize-js initializes the engine with wizer: tens of seconds on two cores. */
const BUILD_MS = scaled(240_000)
/** jco's CLI (a devDependency); its package exports no package.json, so it is found by path. */
const jcoRoot = join(packageRoot, 'node_modules/@bytecodealliance/jco')
const jcoPackage = join(jcoRoot, 'package.json')
const jco = join(jcoRoot, 'dist/jco.js')

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.wit') || f.endsWith('.js'))
    .sort()
}

/** The fixture's component, built once per change of its sources or of jco (cached). */
async function builtComponent(): Promise<Uint8Array> {
  const hash = createHash('sha256').update(readFileSync(jcoPackage))
  for (const f of filesUnder(FIXTURE)) hash.update(f).update(readFileSync(join(FIXTURE, f)))
  const cacheDir = join(packageRoot, 'node_modules/.cache/fnhost/componentize-js')
  const out = join(cacheDir, `${hash.digest('hex').slice(0, 16)}.wasm`)
  if (!existsSync(out)) {
    mkdirSync(cacheDir, { recursive: true })
    const aside = `${out}.${process.pid}.tmp`
    await promisify(execFile)(
      process.execPath,
      [
        jco,
        'componentize',
        join(FIXTURE, 'app.js'),
        '--wit',
        join(FIXTURE, 'wit'),
        '--world-name',
        'app',
        '-o',
        aside,
      ],
      { cwd: packageRoot, timeout: BUILD_MS },
    )
    renameSync(aside, out)
  }
  return readFileSync(out)
}

describe('a componentize-js component over a real socket', () => {
  let dir: TempDir
  let h: TestHost
  beforeAll(async () => {
    const bytes = await builtComponent()
    // Transpiled here, under the build's bound, when the shared cache does not hold it yet: a
    // first transpile of ~14 MB can outlast a load's budget on a busy machine, and this test is
    // about serving the component (test/component/serve.test.ts transpiles at load).
    const componentCacheDir = transpiledCache()
    await prepareComponent(bytes, componentCacheDir)
    dir = await functionsDir({ 'js-component.wasm': bytes })
    h = await startHost('real server', { dir: dir.path, pool: { drivers: { componentCacheDir } } })
  }, BUILD_MS)
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })

  it(
    'answers GET and POST with its headers, and its console.log is in the log',
    async () => {
      const get = await h.call('/js-component?name=Ada')
      expect(get.status, await get.clone().text()).toBe(200)
      expect(get.headers.get('x-made-by')).toBe('starlingmonkey')
      expect(await get.text()).toBe('Hello, Ada! (componentize-js) body=0 bytes')
      const post = await h.call('/js-component', { method: 'POST', body: 'abcdef' })
      expect(await post.text()).toBe('Hello, world! (componentize-js) body=6 bytes')
      const lines = h.logs.filter((l) => l.fields.fn === 'js-component').map((l) => l.message)
      expect(lines).toContain('js component saw POST /js-component')
    },
    scaled(60_000),
  )
})
