import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { run as build } from '../../host/cli/build.js'
import { packageRoot } from '../../host/paths.js'
import { isComponent } from '../../host/sandbox/component/header.js'
import { clangToolchain } from '../helpers/clang.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost } from '../helpers/host.js'
import { scaled } from '../helpers/time.js'
import { transpiledCache } from '../helpers/transpiled.js'
import { capture } from '../toolchain/cli.js'

const toolchain = clangToolchain

describe.runIf(toolchain)('fnhost build --component', () => {
  let dir: TempDir
  afterEach(async () => dir?.[Symbol.asyncDispose]())

  it(
    'builds a C handler into the same component the repository commits',
    async () => {
      const source = readFileSync(join(packageRoot, 'guests/examples/component/hello.c'), 'utf8')
      dir = await functionsDir({ 'hello.c': source })
      const out = await capture(build, [dir.path, '--component'])
      expect(out.code).toBe(0)
      expect(out.stdout).toMatch(/built hello\.wasm \(wasi:http component, [\d.]+ KiB\)/)
      const built = readFileSync(join(dir.path, 'hello.wasm'))
      expect(isComponent(built)).toBe(true)
      expect(
        built.equals(readFileSync(join(packageRoot, 'wasm/examples/component-hello.wasm'))),
      ).toBe(true)
    },
    scaled(60_000),
  )

  it(
    'reports a handler that does not define fnh_http_handle',
    async () => {
      dir = await functionsDir({ 'bad.c': '#include "fnhost_http.h"\n' })
      const out = await capture(build, [dir.path, '--component'])
      expect(out.code).toBe(1)
      expect(out.stderr).toMatch(/failed bad\.c:[\s\S]*fnh_http_handle/)
    },
    scaled(60_000),
  )

  it(
    'builds a C handler that uses wasi-libc into a component that answers over a real socket',
    async () => {
      const source = readFileSync(join(packageRoot, 'test/fixtures/component/libc/hello-libc.c'))
      dir = await functionsDir({
        'hello-libc.c': source,
        'hello-libc.json': JSON.stringify({ isolation: 'shared' }),
      })
      const out = await capture(build, [dir.path, '--component'])
      expect(out.code, out.stderr).toBe(0)
      const built = readFileSync(join(dir.path, 'hello-libc.wasm'))
      expect(isComponent(built)).toBe(true)
      await rm(join(dir.path, 'hello-libc.c'))
      await using h = await startHost('real server', {
        dir: dir.path,
        pool: { drivers: { componentCacheDir: transpiledCache() } },
      })
      // One instance serves them all: libc's heap and the adapter's state live across requests.
      for (let i = 1; i <= 3; i++) {
        const res = await h.call(`/hello-libc?x=${i}`, { method: 'POST', body: 'ab'.repeat(i) })
        expect(res.status).toBe(200)
        expect(await res.text()).toBe(
          `Hello from wasi-libc! path=/hello-libc?x=${i} body=${2 * i} bytes`,
        )
      }
      const lines = h.logs.filter((l) => l.fields.fn === 'hello-libc').map((l) => l.message)
      expect(lines).toEqual([1, 2, 3].map((i) => `libc component saw POST /hello-libc?x=${i}`))
    },
    scaled(60_000),
  )
})
