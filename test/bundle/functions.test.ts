import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, transports, type TestHost } from '../helpers/host.js'

/** A functions folder written the way a user writes one: TypeScript, local modules, JSON, a package. */
const project = {
  'api.ts': [
    "import { shout } from './_lib/shout'",
    "import data from './data.json'",
    "import { greet } from 'greet'",
    '',
    'interface Answer { msg: string; count: number }',
    '',
    "export const config = { methods: ['GET'] as string[] }",
    '',
    'export default {',
    '  fetch(req: Request): Response {',
    '    const q = new URL(req.url).searchParams',
    "    if (q.has('boom')) throw new Error('boom at line 13')",
    "    if (q.has('log')) console.error(new TypeError('logged at line 14'))",
    '    const out: Answer = { msg: shout(greet(data.name)), count: data.items.length }',
    '    return Response.json(out)',
    '  },',
    '}',
  ].join('\n'),
  '_lib/shout.ts': "export const shout = (s: string): string => s.toUpperCase() + '!'\n",
  'data.json': JSON.stringify({ name: 'ada', items: [1, 2, 3] }),
  'node_modules/greet/package.json': JSON.stringify({
    name: 'greet',
    main: 'node.js',
    exports: { worker: './worker.js', node: './node.js', default: './node.js' },
  }),
  'node_modules/greet/worker.js': "export const greet = (n) => 'hello ' + n\n",
  'node_modules/greet/node.js': "export const greet = () => 'the node build'\n",
  'fs-user.ts':
    "import fs from 'node:fs'\nexport default { fetch: () => new Response(String(fs)) }\n",
  'broken.ts': 'export default {\n  fetch(): Response {\n    const x: number = ;\n  },\n}\n',
  'escape.ts':
    "import secret from '../outside.json'\nexport default { fetch: () => Response.json(secret) }\n",
  'nested/deep.mts':
    "import { shout } from '../_lib/shout'\nexport default () => new Response(shout('deep'))\n",
  'legacy.cjs':
    "const { shout } = require('./_lib/legacy.cjs')\nmodule.exports = async (req, res) => res.send(shout('cjs'))\n",
  '_lib/legacy.cjs': "exports.shout = (s) => s + '?'\n",
  'types.d.ts': 'export type X = number\n',
  'api.test.ts': 'throw new Error("a test file is not a function")\n',
  'api.js.map': '{}',
  'package.json': '{}',
}

describe.each(transports)('bundled functions (%s)', (transport) => {
  let dir: TempDir
  let t: TestHost
  afterEach(async () => {
    await t?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })
  const start = async () => {
    const files = Object.entries(project).map(([rel, text]) => [`functions/${rel}`, text])
    dir = await functionsDir({ ...Object.fromEntries(files), 'outside.json': '{"secret":1}' })
    t = await startHost(transport, { dir: join(dir.path, 'functions') })
  }
  const json = async (path: string) => {
    const res = await t.call(path)
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  it('serves a .ts function importing a local module, JSON and a package (worker condition)', async () => {
    await start()
    expect(await json('/api')).toEqual({ status: 200, body: { msg: 'HELLO ADA!', count: 3 } })
    expect((await t.call('/api', { method: 'POST' })).status).toBe(405)
    expect(await (await t.call('/nested/deep')).text()).toBe('DEEP!')
    expect(await (await t.call('/legacy')).text()).toBe('cjs?')
  })

  it('routes no helper folder, declaration, test, map or package file', async () => {
    await start()
    const routes = t.host.registry.list().map((s) => s.name)
    expect(routes.sort()).toEqual(['api', 'broken', 'escape', 'fs-user', 'legacy', 'nested/deep'])
    expect((await t.call('/_lib/shout')).status).toBe(404)
    expect((await t.call('/types')).status).toBe(404)
  })

  it('refuses a Node built-in, naming the import and the file', async () => {
    await start()
    const { status, body } = await json('/fs-user')
    expect(status).toBe(500)
    expect(body.error).toBe('FUNCTION_LOAD_FAILED')
    expect(body.message).toContain(
      'fs-user.ts:1:16: cannot import "node:fs": it is a Node.js built-in module',
    )
  })

  it('reports a TypeScript syntax error with file:line:column', async () => {
    await start()
    const { body } = await json('/broken')
    expect(body.message).toContain('broken.ts:3:23: Unexpected ";"')
  })

  it('refuses an import from outside the functions folder, without a host path', async () => {
    await start()
    const { body } = await json('/escape')
    expect(body.error).toBe('FUNCTION_LOAD_FAILED')
    expect(body.message).toContain('escape.ts imports ../outside.json')
    expect(body.message).not.toContain(dir.path)
  })

  it('maps a thrown error and a logged Error to the original .ts file and line', async () => {
    await start()
    const { status, body } = await json('/api?boom=1')
    expect(status).toBe(500)
    expect(body.error).toBe('GUEST_ERROR')
    expect(body.stack).toMatch(/at fetch \(api\.ts:12:\d+\)/)
    expect(JSON.stringify(body)).not.toContain(dir.path)
    expect((await t.call('/api?log=1')).status).toBe(200)
    const logged = t.logs.find((l) => l.message.includes('logged at line 14'))
    expect(logged?.message).toMatch(/api\.ts:13:\d+/)
  })

  it('runs the bundle and maps its stack in the worker pool too', async () => {
    await start()
    expect(await json('/api')).toEqual({ status: 200, body: { msg: 'HELLO ADA!', count: 3 } })
    expect((await json('/api?boom=1')).body.stack).toMatch(/at fetch \(api\.ts:12:\d+\)/)
  })
})
