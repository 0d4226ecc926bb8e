/**
 * The training run of the single binary (host/code-cache.ts): the binary just built serves
 * guests/examples/hello.js on loopback with FNHOST_TRAIN_CODE_CACHE set, answers it once, and
 * stops; its CLI bundle writes its code cache as it exits, its pool worker a while after it
 * started. scripts/build-binary.ts then embeds both caches in the binary it builds again.
 */
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { CACHED_BUNDLES, TRAIN_ENV, TRAIN_WORKER_MS } from '../host/code-cache.js'
import { packageRoot } from '../host/paths.js'

/** How long the binary may take to listen, and its worker to write its cache after that. */
const START_MS = 60_000
const CACHE_WAIT_MS = TRAIN_WORKER_MS + 30_000

export async function trainCodeCache(binary: string, out: string): Promise<void> {
  const caches = Object.values(CACHED_BUNDLES).map((key) => join(out, `${key}.cache`))
  for (const file of caches) rmSync(file, { force: true })
  const dir = mkdtempSync(join(tmpdir(), 'fnhost-train-'))
  const functions = join(dir, 'functions')
  mkdirSync(functions)
  copyFileSync(join(packageRoot, 'guests/examples/hello.js'), join(functions, 'hello.js'))
  // Loopback only, whatever HOST says; its data folder inside the one removed after.
  const args = [
    'serve',
    functions,
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--data',
    join(dir, 'data'),
  ]
  const child = spawn(binary, args, {
    env: { ...process.env, [TRAIN_ENV]: out },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line:\n${output}`)), START_MS)
      const read = (d: Buffer) => {
        output += d.toString()
        const m = /listening on (http:\/\/\S+)/.exec(output)
        if (m) {
          clearTimeout(timer)
          resolve((m[1] as string).replace(/\/$/, ''))
        }
      }
      child.stdout.on('data', read)
      child.stderr.on('data', read)
      void exited.then((code) => reject(new Error(`exited with ${code}:\n${output}`)))
    })
    const res = await fetch(`${url}/hello?name=Ada`)
    const body = await res.text()
    if (res.status !== 200 || body !== 'Hello, Ada!\n')
      throw new Error(`training run: /hello answered ${res.status} ${body}`)
    const worker = join(out, `${CACHED_BUNDLES.poolWorker}.cache`)
    for (const end = Date.now() + CACHE_WAIT_MS; !existsSync(worker); await sleep(100))
      if (Date.now() > end) throw new Error('training run: the pool worker wrote no code cache')
    child.kill('SIGTERM')
    const code = await exited
    if (code !== 0) throw new Error(`training run exited with ${code}:\n${output}`)
    for (const file of caches)
      if (!existsSync(file)) throw new Error(`training run: ${file} was not written`)
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}
