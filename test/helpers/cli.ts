import { spawn, type ChildProcess } from 'node:child_process'
import { packageRoot } from '../../host/paths.js'
import { sourceCli } from '../../host/threads.js'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Starts the fnhost CLI built from source (host/threads.ts), as a user would run `fnhost ...`. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [sourceCli(), ...args], {
    cwd: packageRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawnCli(args, env)
  return collect(child)
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d) => (stdout += d))
  child.stderr?.on('data', (d) => (stderr += d))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

/** Waits until the CLI's stdout says where it listens, and returns that URL. */
export function listeningUrl(child: ChildProcess, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(
      () => reject(new Error(`no 'listening on' within ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    )
    child.stdout?.on('data', (d) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1] as string)
      }
    })
    child.on('close', (code) => reject(new Error(`exited with ${code} before listening:\n${out}`)))
  })
}
