import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../../host/paths.js'
import { clangToolchain } from '../helpers/clang.js'
import { collect, listeningUrl } from '../helpers/cli.js'
import { scaled } from '../helpers/time.js'
import { EXAMPLE_CHECKS, checkAnswers, spawnIn } from './run.js'

const exec = promisify(execFile)
const BUILD_MS = scaled(90_000)
const binaryName = `fnhost-${process.platform}-${process.arch}`

const toolchain = clangToolchain

/*
 * The single binary as a user gets it: built from this checkout, copied alone into an empty
 * folder, run with an environment that holds no Node and no node_modules anywhere near it.
 */
describe('the single binary', () => {
  let work: string
  let binary: string
  /** Only the binary's own folder on PATH: no node, npm or compiler. */
  let env: NodeJS.ProcessEnv

  beforeAll(
    async () => {
      await exec(process.execPath, ['--import', 'tsx', 'scripts/build-binary.ts'], {
        cwd: packageRoot,
        timeout: BUILD_MS,
      })
      work = await mkdtemp(join(tmpdir(), 'fnhost-binary-'))
      binary = join(work, 'fnhost')
      await copyFile(join(packageRoot, 'dist/bin', binaryName), binary)
      const fns = join(work, 'functions')
      for (const c of EXAMPLE_CHECKS) {
        await mkdir(join(fns, c.file, '..'), { recursive: true })
        await copyFile(join(packageRoot, 'guests/examples', c.example), join(fns, c.file))
      }
      env = { PATH: work, HOME: work, TMPDIR: tmpdir() }
    },
    BUILD_MS + scaled(10_000),
  )
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('is one executable file at dist/bin/fnhost-<os>-<arch>', async () => {
    const info = await stat(binary)
    expect(info.isFile()).toBe(true)
    expect(info.mode & 0o111).not.toBe(0)
  })

  it('prints the package version', async () => {
    const { version } = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8'))
    const { stdout } = await exec(binary, ['--version'], { cwd: work, env })
    expect(stdout.trim()).toBe(version)
  })

  it('passes its selftest: one pass line per kind, exit 0', async () => {
    const { code, stdout } = await collect(spawnIn(binary, ['selftest'], work, env))
    expect(code).toBe(0)
    for (const kind of ['javascript', 'WAGI', 'emscripten', 'fnmicro', 'component'])
      expect(stdout).toMatch(new RegExp(`^pass .*${kind}`, 'm'))
    expect(stdout).not.toMatch(/^FAIL/m)
  })

  it('serves a folder of JS, WAGI, emscripten and fnmicro functions, then exits 0 on SIGTERM', async () => {
    const child = spawnIn(
      binary,
      ['serve', 'functions', '--port', '0', '--workers', '2'],
      work,
      env,
    )
    const result = collect(child)
    const url = await listeningUrl(child, scaled(20_000))
    try {
      await checkAnswers(url)
      const health = await fetch(url + '/_fnhost/health')
      expect(health.status).toBe(200)
      expect(await health.json()).toMatchObject({ status: 'ok', functions: EXAMPLE_CHECKS.length })
    } finally {
      child.kill('SIGTERM')
    }
    const { code, stdout } = await result
    expect(code).toBe(0)
    // Logs go to stdout: the access log line of a request above.
    expect(stdout).toMatch(/GET \/hello 200/)
    // The binary stops overrunning guests in place (node:inspector reached without import()).
    expect(stdout).not.toMatch(/stopped by terminating their worker thread/)
  })

  it(
    'serves a C wasi:http component it transpiles itself, and leaves only its component cache in TMPDIR',
    async () => {
      // A TMPDIR of its own: the component cache in it starts empty, so the binary runs
      // jco-transpile's tools (wasm-tools, js-component-bindgen, preview2-shim's I/O thread).
      const tmp = join(work, 'tmp')
      const fns = join(work, 'components')
      await mkdir(tmp)
      await mkdir(join(fns, 'component'), { recursive: true })
      await copyFile(
        join(packageRoot, 'guests/examples/component/hello.wasm'),
        join(fns, 'component/hello.wasm'),
      )
      const child = spawnIn(
        binary,
        ['serve', 'components', '--port', '0', '--host', '127.0.0.1', '--workers', '1'],
        work,
        { ...env, TMPDIR: tmp },
      )
      const result = collect(child)
      const url = await listeningUrl(child, scaled(20_000))
      try {
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:/)
        const get = await fetch(url + '/component/hello?name=Ada')
        expect({ status: get.status, text: await get.text() }).toEqual({
          status: 200,
          text: 'Hello, Ada! (component)',
        })
        const post = await fetch(url + '/component/hello', { method: 'POST', body: 'abc' })
        expect(await post.text()).toBe('Hello, world! (component) body=3 bytes')
        const cache = join(tmp, `fnhost-components-${process.getuid?.() ?? 0}`)
        expect(await readdir(cache)).toHaveLength(1)
      } finally {
        child.kill('SIGTERM')
      }
      const { code, stdout } = await result
      expect(code).toBe(0)
      expect(stdout).toMatch(/GET \/component\/hello 200/)
      // The binary's private folder of extracted assets (threads) is gone with it.
      expect(await readdir(tmp)).toEqual([`fnhost-components-${process.getuid?.() ?? 0}`])
    },
    scaled(40_000),
  )

  it.runIf(toolchain)('builds a C handler with the SDK headers it embeds', async () => {
    const opts = { cwd: work, env: { ...env, PATH: `${work}:/usr/bin:/bin` } }
    await exec(binary, ['new', 'greet', '--lang', 'c', '--dir', 'built'], opts)
    const { stdout } = await exec(binary, ['build', 'built'], opts)
    expect(stdout).toMatch(/built greet\.wasm \(WAGI/)
    const run = await exec(
      binary,
      ['invoke', 'built/greet.wasm', '--path', '/greet?name=Ada'],
      opts,
    )
    expect(JSON.parse(run.stdout)).toEqual({ hello: 'Ada' })
  })

  it('takes its port and address from PORT and HOST', async () => {
    const port = await freePort()
    const child = spawnIn(binary, ['serve', 'functions', '--workers', '1'], work, {
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    })
    const result = collect(child)
    try {
      expect(await listeningUrl(child, scaled(20_000))).toBe(`http://127.0.0.1:${port}`)
      expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe(
        'Hello from fnhost!\n',
      )
    } finally {
      child.kill('SIGTERM')
    }
    expect((await result).code).toBe(0)
  })
})

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  await new Promise((r) => server.close(r))
  return port
}
