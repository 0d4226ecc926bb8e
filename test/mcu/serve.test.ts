import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { packageRoot } from '../../host/paths.js'
import { collect, listeningUrl, spawnCli } from '../helpers/cli.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { scaled } from '../helpers/time.js'
import { mcuToolchain } from './toolchain.js'

/** The device's deadline: QEMU's boot and a request fit in it, a loop does not. */
const DEVICE_TIMEOUT_MS = scaled(4000)
/** A cold firmware build (wasm2c + gcc) at load, then the requests. */
const TEST_MS = scaled(90_000)

describe.runIf(mcuToolchain)('fnhost serve with a device in the loop', () => {
  let dir: TempDir | undefined
  afterEach(async () => dir?.[Symbol.asyncDispose]())

  it(
    'answers from the emulated Cortex-M33; a hung device gets 504 and the next request is answered',
    async () => {
      const config = JSON.stringify({ board: 'mps2-an505', timeoutMs: DEVICE_TIMEOUT_MS })
      dir = await functionsDir({ 'spin.json': config, 'hello.json': '{"board":"mps2-an505"}' })
      await copyFile(
        join(packageRoot, 'wasm/fixtures/micro-loop.wasm'),
        join(dir.path, 'spin.wasm'),
      )
      await copyFile(
        join(packageRoot, 'wasm/examples/micro-hello.wasm'),
        join(dir.path, 'hello.wasm'),
      )
      const child = spawnCli(['serve', dir.path, '--port', '0', '--quiet', '--workers', '1'])
      const result = collect(child)
      try {
        const url = await listeningUrl(child, TEST_MS)
        const hello = await fetch(url + '/hello?name=M33')
        expect(hello.status).toBe(200)
        expect(await hello.text()).toBe('Hello, M33, from fnmicro!\n')

        expect(await (await fetch(url + '/spin')).text()).toBe('awake\n')
        const started = Date.now()
        const hung = await fetch(url + '/spin?spin=1')
        expect(hung.status).toBe(504)
        expect((await hung.json()) as { error: string }).toMatchObject({ error: 'CPU_LIMIT' })
        expect(Date.now() - started).toBeGreaterThanOrEqual(DEVICE_TIMEOUT_MS - scaled(100))

        const next = await fetch(url + '/spin')
        expect(next.status).toBe(200)
        expect(await next.text()).toBe('awake\n')
      } finally {
        child.kill('SIGTERM')
        await result
      }
    },
    TEST_MS,
  )
})
