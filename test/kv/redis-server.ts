import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, connect } from 'node:net'
import { scaled } from '../helpers/time.js'

const START_TIMEOUT_MS = scaled(10_000)

export interface RedisServer extends AsyncDisposable {
  url: string
  port: number
  process: ChildProcess
}

/** A free loopback port (the OS picks one; redis binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

/**
 * Debian's redis-server on a free loopback port, without persistence (tests own their data), with
 * the protected mode off only because it binds 127.0.0.1 alone. Stop it with `await using`.
 */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort()
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  )
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`))),
  )
  exited.catch(() => undefined)
  const until = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (await reachable(port)) break
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL')
      throw new Error(`redis-server did not start on port ${port}`)
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
    async [Symbol.asyncDispose]() {
      if (child.exitCode !== null) return
      const gone = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await gone
    },
  }
}
