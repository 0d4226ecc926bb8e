import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { bundleSource, forgetBundle } from '../../host/bundle/index.js'
import { eventually, functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, transports, type TestHost } from '../helpers/host.js'

const pkg = (name: string, files: Record<string, string>, type = 'module') => ({
  [`node_modules/${name}/package.json`]: JSON.stringify({ name, type, main: 'index.js' }),
  ...Object.fromEntries(
    Object.entries(files).map(([f, text]) => [`node_modules/${name}/${f}`, text]),
  ),
})

/** Packages with state, a default export, CommonJS, a side effect and a throw at a known line. */
const packages = {
  ...pkg('counter', {
    'index.js':
      'let n = 0\nexport const bump = () => ++n\nexport default function tag() { return "tag" }\n',
  }),
  ...pkg(
    'legacy',
    {
      'index.js': 'module.exports = function legacy() { return "cjs" }\nmodule.exports.extra = 7\n',
    },
    'commonjs',
  ),
  ...pkg('loud', { 'index.js': 'globalThis.loudRan = true\nexport const loud = 1\n' }),
  ...pkg('thrower', {
    'index.js': [
      'export function fail() {',
      '  // the throw is on line 3 of this file',
      "  throw new Error('thrown in a package')",
      '}',
    ].join('\n'),
  }),
}

const functions = {
  'a.ts': [
    "import tag, { bump } from 'counter'",
    'export default { fetch: () => new Response(`${tag()} ${bump()} ${typeof (globalThis as { loudRan?: boolean }).loudRan}`) }',
  ].join('\n'),
  'b.mjs': [
    "import tag, { bump } from 'counter'",
    "import legacy, { extra } from 'legacy'",
    "import { loud } from 'loud'",
    'export default { fetch: () => new Response(`${tag()} ${bump()} ${legacy()} ${extra} ${loud} ${globalThis.loudRan}`) }',
  ].join('\n'),
  'c.ts': "import { fail } from 'thrower'\nexport default { fetch: () => fail() }\n",
  'd.cjs': [
    "const { bump } = require('counter')",
    "const legacy = require('legacy')",
    'module.exports = async (req, res) => res.send(`${bump()} ${legacy()} ${legacy.extra}`)',
  ].join('\n'),
}

describe('functions bundled apart from their packages', () => {
  let dir: TempDir | undefined
  let t: TestHost | undefined
  afterEach(async () => {
    await t?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
    t = dir = undefined
  })

  it('leaves the packages to a vendor bundle per set of packages, shared by the functions importing it', async () => {
    dir = await functionsDir({
      ...packages,
      ...functions,
      'e.ts': "import { bump } from 'counter'\nexport default () => new Response(String(bump()))\n",
    })
    const bundle = async (name: string) => {
      const file = join(dir!.path, name)
      return bundleSource(dir!.path, file, await readFile(file))
    }
    const [a, b, c, e] = await Promise.all(['a.ts', 'b.mjs', 'c.ts', 'e.ts'].map(bundle))
    const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes)
    for (const fn of [a, b, e]) {
      expect(text(fn?.code)).not.toContain('++n')
      expect(text(fn?.vendor?.code)).toContain('++n')
    }
    expect(e?.vendor?.digest).toBe(a?.vendor?.digest)
    expect(b?.vendor?.digest).not.toBe(a?.vendor?.digest)
    expect(text(b?.vendor?.code)).toContain('"cjs"')
    expect(text(a?.vendor?.code)).not.toContain('"cjs"')
    expect(text(c?.vendor?.code)).toContain('thrown in a package')
    expect(text(c?.vendor?.code)).not.toContain('++n')
    expect(a?.inputs).toContain(join(dir.path, 'node_modules/counter/index.js'))
  })

  it('resolves a package again once another one wins resolution or its package.json changes', async () => {
    dir = await functionsDir({
      ...packages,
      'sub/f.ts':
        "import { bump } from 'counter'\nexport default () => new Response(String(bump()))\n",
    })
    const file = join(dir.path, 'sub/f.ts')
    const vendorText = async () => {
      forgetBundle(file)
      const bundle = await bundleSource(dir!.path, file, await readFile(file))
      return new TextDecoder().decode(bundle?.vendor?.code)
    }
    expect(await vendorText()).toContain('++n')
    await dir.write('sub/node_modules/counter/package.json', '{"name":"counter","main":"near.js"}')
    await dir.write('sub/node_modules/counter/near.js', "export const bump = () => 'near'\n")
    expect(await vendorText()).toContain('"near"')
    await dir.write('sub/node_modules/counter/package.json', '{"name":"counter","main":"far.js"}')
    await dir.write('sub/node_modules/counter/far.js', "export const bump = () => 'far'\n")
    expect(await vendorText()).toContain('"far"')
  })

  describe.each(transports)('served (%s)', (transport) => {
    it('runs in each function only the packages it imports, fresh in its own engine', async () => {
      dir = await functionsDir({ ...packages, ...functions })
      t = await startHost(transport, { dir: dir.path })
      const text = async (path: string) => (await t!.call(path)).text()
      // Default and named imports of ESM and CommonJS packages, from a .mjs importer too.
      expect(await text('/b')).toBe('tag 1 cjs 7 1 true')
      expect(await text('/b')).toBe('tag 2 cjs 7 1 true')
      // a's counter is its own, and the package only b imports never ran in a's engine.
      expect(await text('/a')).toBe('tag 1 undefined')
      expect(await text('/a')).toBe('tag 2 undefined')
      expect(await text('/b')).toBe('tag 3 cjs 7 1 true')
      // A CommonJS function requires them too.
      expect(await text('/d')).toBe('1 cjs 7')
    })

    it("maps a package's stack frames to the package's file and line", async () => {
      dir = await functionsDir({ ...packages, ...functions })
      t = await startHost(transport, { dir: dir.path })
      const res = await t.call('/c')
      expect(res.status).toBe(500)
      const body = (await res.json()) as { stack: string; message: string }
      expect(body.message).toContain('thrown in a package')
      expect(body.stack).toMatch(/node_modules\/thrower\/index\.js:3:\d+/)
      expect(body.stack).toMatch(/c\.ts:2:\d+/)
      expect(body.stack).not.toContain(dir.path)
    })
  })

  it('reloads a function when a package file it uses changes', async () => {
    dir = await functionsDir({ ...packages, ...functions })
    t = await startHost('app.request', { dir: dir.path, watch: true })
    const text = async (path: string) => (await t!.call(path)).text()
    expect(await text('/a')).toBe('tag 1 undefined')
    await dir.write(
      'node_modules/counter/index.js',
      'let n = 10\nexport const bump = () => ++n\nexport default function tag() { return "new" }\n',
    )
    await eventually(async () => (await text('/a')) === 'new 11 undefined')
  })
})
