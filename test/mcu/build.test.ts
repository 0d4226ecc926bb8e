import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { run as build } from '../../host/cli/build.js'
import { run as invoke } from '../../host/cli/invoke.js'
import { packageRoot } from '../../host/paths.js'
import { buildFirmware } from '../../host/sandbox/micro/firmware/firmware.js'
import { scaled } from '../helpers/time.js'
import { wasm } from '../helpers/wasm.js'
import { capture } from '../toolchain/cli.js'
import { mcuToolchain } from './toolchain.js'

/** The budget of the issue: micro-hello plus the runtime on a small Cortex-M. */
const FLASH_BUDGET = 16 * 1024
const RAM_BUDGET = 8 * 1024
const BUILD_MS = scaled(60_000)
const HELLO = join(packageRoot, 'wasm/examples/micro-hello.wasm')

describe.runIf(mcuToolchain)('fnhost build --board', () => {
  let out: string | undefined
  afterEach(async () => {
    if (out) await rm(out, { recursive: true, force: true })
    out = undefined
  })

  for (const board of ['mps2-an505', 'mps2-an385'] as const)
    it(
      `fits micro-hello and the runtime in 16 KiB of flash and 8 KiB of RAM on ${board}`,
      async () => {
        out = await mkdtemp(join(tmpdir(), 'fnhost-mcu-size-'))
        const { sizes } = await buildFirmware(wasm('examples/micro-hello'), board, out)
        expect(sizes.linearMemory).toBe(65536)
        expect(sizes.bss).toBeGreaterThan(sizes.linearMemory)
        expect(sizes.stack).toBeGreaterThan(0)
        expect(sizes.flash).toBe(sizes.text + sizes.rodata + sizes.data)
        expect(sizes.flash).toBeLessThanOrEqual(FLASH_BUDGET)
        expect(sizes.ramBeyondLinear).toBe(sizes.data + sizes.bss + sizes.stack - 65536)
        expect(sizes.ramBeyondLinear).toBeLessThanOrEqual(RAM_BUDGET)
      },
      BUILD_MS,
    )

  it(
    'writes the ELF and prints the size report; invoke --board runs it',
    async () => {
      out = await mkdtemp(join(tmpdir(), 'fnhost-mcu-cli-'))
      const built = await capture(build, ['--board', 'mps2-an385', HELLO, '-o', out])
      expect(built.stderr).toBe('')
      expect(built.code).toBe(0)
      expect(built.stdout).toContain(join(out, 'fnm-mps2-an385.elf'))
      expect(built.stdout).toMatch(/flash \d+\.\d KiB \(text \d+ \+ rodata \d+ \+ data \d+ bytes\)/)
      expect(built.stdout).toMatch(/64\.0 KiB linear memory/)

      const node = await capture(invoke, [HELLO, '--path', '/micro-hello?name=M%33', '-i'])
      const device = await capture(invoke, [
        HELLO,
        '--board',
        'mps2-an385',
        '--path',
        '/micro-hello?name=M%33',
        '-i',
      ])
      expect(node.code).toBe(0)
      // Each run has its own request id; everything else is the same bytes.
      const noId = (c: typeof node) => ({
        ...c,
        stdout: c.stdout.replace(/x-request-id: .*\n/, ''),
      })
      expect(noId(device)).toEqual(noId(node))
      // capture() records the body chunk (bytes) as String(Uint8Array): its byte values.
      const body = [...Buffer.from('Hello, M3, from fnmicro!\n')].join(',')
      expect(noId(device).stdout).toBe(`HTTP 200 OK\ncontent-type: text/plain\n\n${body}`)
    },
    BUILD_MS,
  )

  it('refuses a module outside the fnmicro profile and an unknown board', async () => {
    out = await mkdtemp(join(tmpdir(), 'fnhost-mcu-bad-'))
    const wagi = join(packageRoot, 'wasm/examples/hello.wasm')
    const refused = await capture(build, ['--board', 'native', wagi, '-o', out])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/not an fnmicro module/)
    const unknown = await capture(build, ['--board', 'esp32', HELLO, '-o', out])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/--board takes mps2-an505, mps2-an385, native/)
  })
})

describe('fnhost build --board without the toolchain', () => {
  it('names the Debian packages to install', async () => {
    const path = process.env.PATH
    const out = await mkdtemp(join(tmpdir(), 'fnhost-mcu-missing-'))
    process.env.PATH = out
    try {
      const r = await capture(build, ['--board', 'mps2-an505', HELLO, '-o', out])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/install with: apt-get install wabt gcc-arm-none-eabi/)
    } finally {
      process.env.PATH = path
      await rm(out, { recursive: true, force: true })
    }
  })
})
