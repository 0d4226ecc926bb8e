import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../host/paths.js'
import { threadTagOptions } from './cpu.js'

/**
 * Under vitest or tsx this file is the .ts source and the scripts it starts must be too (the
 * build may be stale); from dist/ it starts the built .js files, as `npm run bench` does.
 */
const fromSource = import.meta.url.endsWith('.ts')

/** Node arguments that run a script of this package, given without extension ('host/cli/main'). */
export function nodeArgs(script: string): string[] {
  return fromSource
    ? ['--import', 'tsx', join(packageRoot, `${script}.ts`)]
    : [join(packageRoot, 'dist', `${script}.js`)]
}

export interface Server extends AsyncDisposable {
  readonly url: string
  readonly pid: number
  stop(): Promise<void>
}

export class ChildError extends Error {
  override readonly name = 'ChildError'
}

/** Resident set size of a process in bytes, from /proc (Linux only, as the bench's figures are). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)
  if (!kb) throw new ChildError(`no VmRSS for process ${pid}`)
  return Number(kb[1]) * 1024
}

/** Every server still running: a bench or test that dies must not leave one spinning. */
const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    // A server whose thread is stuck in a guest never runs its SIGTERM handler.
    const kill = setTimeout(() => child.kill('SIGKILL'), 2000)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/** Long enough for 1,000 functions to be scanned on a busy machine. */
const START_TIMEOUT_MS = 60_000

/**
 * Starts a server as its own process and resolves once it prints `listening on <url>`, so the
 * load generator, the bench and the server under test never share a process.
 */
export function startServer(script: string, args: string[]): Promise<Server> {
  // Its worker threads name themselves, so the CPU figures can tell them from the main thread.
  const env = { ...process.env, NODE_OPTIONS: threadTagOptions() }
  return startProcess(process.execPath, [...nodeArgs(script), ...args], script, env)
}

/** startServer for any executable (the single binary); `label` names it in errors. */
export function startProcess(
  command: string,
  argv: string[],
  label: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Server> {
  const child = spawn(command, argv, {
    cwd: packageRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  child.once('exit', () => live.delete(child))
  let out = ''
  const keep = (d: Buffer) => {
    // Only the start of the output matters for errors; a long route table must not grow without bound.
    if (out.length < 64 * 1024) out += d.toString()
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  return new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => {
      void stopChild(child)
      reject(
        new ChildError(`${label} printed no 'listening on' within ${START_TIMEOUT_MS} ms:\n${out}`),
      )
    }, START_TIMEOUT_MS)
    const onData = (d: Buffer) => {
      seen += d.toString()
      const m = /listening on (http:\/\/\S+)/.exec(seen)
      if (!m) return
      clearTimeout(timer)
      child.stdout.off('data', onData)
      child.off('exit', onExit)
      const stop = () => stopChild(child)
      resolve({
        url: (m[1] as string).replace(/\/$/, ''),
        pid: child.pid as number,
        stop,
        [Symbol.asyncDispose]: stop,
      })
    }
    const onExit = (code: number | null) => {
      clearTimeout(timer)
      reject(new ChildError(`${label} exited with ${code} before listening:\n${out}`))
    }
    child.stdout.on('data', onData)
    child.once('exit', onExit)
  })
}

/** `fnhost serve <dir>` from this package, quiet, on a free port of the loopback interface. */
export function startFnhost(dir: string, options: { workers?: number } = {}): Promise<Server> {
  const args = ['serve', dir, '--port', '0', '--quiet']
  if (options.workers !== undefined) args.push('--workers', String(options.workers))
  return startServer('host/cli/main', args)
}
