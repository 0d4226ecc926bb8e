import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, connect } from 'node:net'

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
 * Debian's redis-server on a free loopback port (127.0.0.1 only), without persistence: the tests
 * and the bench own their data. Stop it with `await using`.
 */
export async function startRedis(startTimeoutMs = 10_000): Promise<RedisServer> {
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
  const until = Date.now() + startTimeoutMs
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
