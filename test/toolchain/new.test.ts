import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { run as newHandler } from '../../host/cli/new.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { capture } from './cli.js'

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
    expect((await capture(newHandler, ['a', 'b'])).code).toBe(2)
  })
})
