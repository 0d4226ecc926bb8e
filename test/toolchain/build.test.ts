import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { run as build } from '../../host/cli/build.js'
import { run as newHandler } from '../../host/cli/new.js'
import { APT_PACKAGES } from '../../host/toolchain/clang.js'
import { clangToolchain } from '../helpers/clang.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { invokeOptions, loadWasm } from '../helpers/wasm.js'
import { capture } from './cli.js'
import { invokeHttp } from '../helpers/invoke.js'

const toolchain = clangToolchain

const MICRO = `#include "fnmicro.h"
int fnm_main(const fnm_request *req, fnm_response *res) {
  (void)req;
  fnm_puts(res, "tiny");
  return 0;
}
`

describe.runIf(toolchain)('fnhost build', () => {
  let dir: TempDir
  afterEach(async () => dir?.[Symbol.asyncDispose]())

  it('compiles each C handler to a .wasm beside it, choosing the ABI from the includes', async () => {
    dir = await functionsDir({
      'api/tiny.c': MICRO,
      '_lib/helper.c': 'int broken(',
      '.hidden.c': 'x',
    })
    expect((await capture(newHandler, ['greet', '--lang', 'c', '--dir', dir.path])).code).toBe(0)
    const out = await capture(build, [dir.path])
    expect(out.code).toBe(0)
    expect(out.stdout).toMatch(/built api\/tiny\.wasm \(fnmicro, [\d.]+ KiB\)/)
    expect(out.stdout).toMatch(/built greet\.wasm \(WAGI, [\d.]+ KiB\)/)
    expect(out.stdout).not.toMatch(/helper|hidden/)
    await using greet = await loadWasm(new Uint8Array(readFileSync(join(dir.path, 'greet.wasm'))))
    const res = await invokeHttp(
      greet,
      new Request('http://h/greet?name=Ada'),
      invokeOptions().opts,
    )
    expect(await res.json()).toEqual({ hello: 'Ada' })
    await using tiny = await loadWasm(new Uint8Array(readFileSync(join(dir.path, 'api/tiny.wasm'))))
    expect(tiny.spec.kind).toBe('micro')
    expect(
      await (await invokeHttp(tiny, new Request('http://h/tiny'), invokeOptions().opts)).text(),
    ).toBe('tiny')
  })

  it('exits 1 with the compiler output when a handler does not compile', async () => {
    dir = await functionsDir({ 'bad.c': 'int main(void) { return nope; }\n' })
    const out = await capture(build, [dir.path])
    expect(out.code).toBe(1)
    expect(out.stderr).toMatch(/failed bad\.c:[\s\S]*nope/)
  })

  it('names the Debian packages to install when clang-19 is missing', async () => {
    dir = await functionsDir({ 'x.c': 'int main(void) { return 0; }\n' })
    const path = process.env.PATH
    process.env.PATH = '/nonexistent'
    try {
      const out = await capture(build, [dir.path])
      expect(out.code).toBe(1)
      expect(out.stderr).toContain(`apt-get install ${APT_PACKAGES}`)
      expect(out.stderr).toMatch(/missing clang-19/)
    } finally {
      process.env.PATH = path
    }
  })

  it('exits 2 on bad usage and 1 for a missing folder', async () => {
    expect((await capture(build, ['a', 'b'])).code).toBe(2)
    expect((await capture(build, ['--nope'])).code).toBe(2)
    expect((await capture(build, ['/nonexistent/functions'])).code).toBe(1)
  })
})
