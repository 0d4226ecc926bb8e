import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { afterEach, describe, expect, it } from 'vitest'
import { run as newHandler } from '../../host/cli/new.js'
import { packageRoot } from '../../host/paths.js'
import { scanFile } from '../../host/registry/scan.js'
import { quickjsDriver } from '../../host/sandbox/quickjs/driver.js'
import { invokeOptions } from '../sandbox/quickjs/helpers.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { capture } from './cli.js'
import { inspectHere } from '../helpers/inspect.js'
import { invokeHttp } from '../helpers/invoke.js'

describe('fnhost new', () => {
  let dir: TempDir
  afterEach(async () => dir?.[Symbol.asyncDispose]())

  it('writes a JS starter by default and a C starter with --lang c, in folders as needed', async () => {
    dir = await functionsDir()
    const js = await capture(newHandler, ['users/[id]', '--dir', dir.path])
    expect(js.code).toBe(0)
    const source = readFileSync(join(dir.path, 'users/[id].js'), 'utf8')
    expect(source).toMatch(/export default \{\s+async fetch\(request\)/)
    expect(source).toContain("--path '/users/:id?name=Ada'")
    const c = await capture(newHandler, ['hello', '--lang', 'c', '--dir', dir.path])
    expect(c.code).toBe(0)
    expect(c.stdout).toMatch(/build it with: fnhost build/)
    expect(readFileSync(join(dir.path, 'hello.c'), 'utf8')).toMatch(
      /#include "fnhost.h"[\s\S]*int main\(void\)/,
    )
  })

  it('writes a TypeScript starter that type-checks against fnhost/types and answers', async () => {
    dir = await functionsDir()
    expect((await capture(newHandler, ['api/[id]', '--lang', 'ts', '--dir', dir.path])).code).toBe(
      0,
    )
    const file = join(dir.path, 'api/[id].ts')
    expect(readFileSync(file, 'utf8')).toContain('} satisfies FetchHandler')
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts', 'lib.webworker.d.ts'],
      types: [],
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      paths: { 'fnhost/types': [join(packageRoot, 'host/types-public/index.d.ts')] },
    })
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
    expect(problems).toEqual([])
    const outcome = await scanFile(dir.path, file, inspectHere)
    if (!('spec' in outcome)) throw new Error(outcome.failure.reason)
    await using fn = await quickjsDriver.load(outcome.spec)
    const res = await invokeHttp(
      fn,
      new Request('http://localhost/api/7?name=Ada'),
      invokeOptions({ params: { id: '7' } }),
    )
    expect(await res.json()).toEqual({ hello: 'Ada', params: { id: '7' }, envKeys: [] })
  })

  it('keeps an existing file and exits 1', async () => {
    dir = await functionsDir({ 'hello.js': 'mine' })
    const out = await capture(newHandler, ['hello', '--dir', dir.path])
    expect(out.code).toBe(1)
    expect(out.stderr).toMatch(/already exists/)
    expect(readFileSync(join(dir.path, 'hello.js'), 'utf8')).toBe('mine')
  })

  it('exits 2 on bad usage', async () => {
    expect((await capture(newHandler, [])).code).toBe(2)
    expect((await capture(newHandler, ['../escape'])).code).toBe(2)
    expect((await capture(newHandler, ['x', '--lang', 'rust'])).code).toBe(2)
    expect((await capture(newHandler, ['x', '--lang', 'tsx'])).code).toBe(2)
    expect((await capture(newHandler, ['a', 'b'])).code).toBe(2)
  })
})
