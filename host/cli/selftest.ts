import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { readAsset } from '../assets.js'
import { createHost } from '../host.js'
import { silentLogger } from '../observe/log.js'
import { serve } from '../server.js'
import { parse, withUsage } from './args.js'

const USAGE = `usage: fnhost selftest

Serves the built-in example functions of every kind (JavaScript, C as WAGI, C built with
emscripten, fnmicro, a C wasi:http component) on a free loopback port through the worker pool, checks each answer over
HTTP and prints a pass/fail line per kind. Exit status 0 when every kind passes, 1 otherwise.`

interface Check {
  kind: string
  /** The embedded example (a package-relative asset key) and where it goes in the folder. */
  asset: string
  file: string
  method: string
  path: string
  body?: string
  status: number
  answer: string
}

const CHECKS: Check[] = [
  {
    kind: 'javascript (QuickJS)',
    asset: 'guests/examples/hello.js',
    file: 'hello.js',
    method: 'GET',
    path: '/hello?name=Ada',
    status: 200,
    answer: 'Hello, Ada!\n',
  },
  {
    kind: 'c (WAGI, clang wasm32-wasi)',
    asset: 'guests/examples/c/hello.wasm',
    file: 'c/hello.wasm',
    method: 'GET',
    path: '/c/hello?name=Ada',
    status: 200,
    answer: 'Hello, Ada!\n',
  },
  {
    kind: 'c (emscripten, STANDALONE_WASM)',
    asset: 'guests/examples/c/wordcount.wasm',
    file: 'c/wordcount.wasm',
    method: 'POST',
    path: '/c/wordcount',
    body: 'one two\nthree\n',
    status: 200,
    answer: '{"lines":2,"words":3,"bytes":14}',
  },
  {
    kind: 'fnmicro (freestanding wasm32)',
    asset: 'guests/examples/c/micro-hello.wasm',
    file: 'c/micro-hello.wasm',
    method: 'GET',
    path: '/c/micro-hello?name=Ada',
    status: 200,
    answer: 'Hello, Ada, from fnmicro!\n',
  },
  {
    kind: 'component (wasi:http, C)',
    asset: 'guests/examples/component/hello.wasm',
    file: 'component/hello.wasm',
    method: 'GET',
    path: '/component/hello?name=Ada',
    status: 200,
    answer: 'Hello, Ada! (component)',
  },
]

async function check(base: string, c: Check): Promise<string | undefined> {
  try {
    const res = await fetch(base + c.path, { method: c.method, body: c.body })
    const text = await res.text()
    if (res.status === c.status && text.trim() === c.answer.trim()) return undefined
    return `got ${res.status} ${JSON.stringify(text.slice(0, 200))}`
  } catch (e) {
    return `request failed: ${e instanceof Error ? e.message : String(e)}`
  }
}

export function run(argv: string[]): Promise<number> {
  return withUsage(USAGE, async () => {
    const { values } = parse(argv, { options: { help: { type: 'boolean', short: 'h' } } })
    if (values.help) {
      process.stdout.write(USAGE + '\n')
      return 0
    }
    const root = await mkdtemp(join(tmpdir(), 'fnhost-selftest-'))
    // The functions, and a component cache of its own: the component is transpiled here, not
    // taken from an earlier run's cache.
    const dir = join(root, 'functions')
    const componentCacheDir = join(root, 'component-cache')
    try {
      for (const c of CHECKS) {
        await mkdir(dirname(join(dir, c.file)), { recursive: true })
        await writeFile(join(dir, c.file), readAsset(c.asset))
      }
      await using host = await createHost({
        dir,
        watch: false,
        logger: silentLogger,
        pool: { workers: 1, warmSpare: false, drivers: { componentCacheDir } },
      })
      await using server = await serve({ fetch: host.fetch, port: 0, host: '127.0.0.1' })
      let failed = 0
      for (const c of CHECKS) {
        const problem = await check(server.url, c)
        if (problem) failed++
        const line = `${c.method} ${c.path} -> ${c.status}`
        process.stdout.write(
          `${problem ? 'FAIL' : 'pass'}  ${c.kind.padEnd(32)} ${line}${problem ? `: ${problem}` : ''}\n`,
        )
      }
      process.stdout.write(
        failed
          ? `${failed} of ${CHECKS.length} kinds failed\n`
          : `all ${CHECKS.length} kinds pass\n`,
      )
      return failed ? 1 : 0
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
}
