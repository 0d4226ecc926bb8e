import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { autocannonGenerator } from './autocannon.js'

const run = promisify(execFile)

export interface LoadOptions {
  connections: number
  /** wrk's -t; autocannon always drives its connections from one thread of its own process. */
  threads: number
  durationS: number
}

export interface LoadResult {
  rps: number
  p50Ms: number
  p99Ms: number
  requests: number
  /** Non-2xx/3xx answers plus socket errors (connect, read, write, timeout). */
  errors: number
  non2xx: number
  socketErrors: number
}

export const GENERATOR_NAMES = ['wrk', 'autocannon'] as const
export type GeneratorName = (typeof GENERATOR_NAMES)[number]

/** A load generator run as its own process, so it never shares a thread with the bench or the server. */
export interface LoadGenerator {
  readonly name: GeneratorName
  /** Name and version as the report prints them. */
  readonly version: string
  run(url: string, options: LoadOptions): Promise<LoadResult>
}

export class LoadGeneratorError extends Error {
  override readonly name = 'LoadGeneratorError'
}

/** wrk's version line, or undefined when wrk is not on PATH. */
async function wrkVersion(): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run('wrk', ['-v']).catch(
      (e: { stdout?: string; stderr?: string; code?: unknown }) => {
        // wrk -v prints its version and exits 1; only a missing binary is a failure.
        if (e.code === 'ENOENT') throw e
        return { stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
      },
    )
    const line = (stdout + stderr).split('\n').find((l) => l.startsWith('wrk '))
    return line?.replace(/ Copyright.*/, '').trim() ?? 'wrk'
  } catch {
    return undefined
  }
}

/**
 * The generator the bench drives its load with: `wanted`, or wrk when it is on PATH and
 * autocannon (an npm devDependency, so present after `npm install`) when it is not.
 */
export async function chooseLoadGenerator(wanted?: GeneratorName): Promise<LoadGenerator> {
  if (wanted === 'autocannon') return autocannonGenerator()
  const version = await wrkVersion()
  if (version !== undefined) return { name: 'wrk', version, run: runWrk }
  if (wanted === 'wrk')
    throw new LoadGeneratorError(
      'wrk is not on PATH: apt-get install wrk (Debian/Ubuntu) or brew install wrk, or leave --generator out to use autocannon',
    )
  return autocannonGenerator()
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

function durationMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text)
  if (!m) throw new LoadGeneratorError(`wrk printed a duration the bench cannot read: ${text}`)
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number)
}

/** Reads wrk's `--latency` report. */
export function parseWrk(out: string): LoadResult {
  const need = (re: RegExp, what: string): RegExpExecArray => {
    const m = re.exec(out)
    if (!m) throw new LoadGeneratorError(`no ${what} in wrk's output:\n${out}`)
    return m
  }
  const p50 = need(/^\s+50%\s+(\S+)/m, '50th percentile')
  const p99 = need(/^\s+99%\s+(\S+)/m, '99th percentile')
  const requests = Number(need(/^\s+(\d+) requests in/m, 'request count')[1])
  const rps = Number(need(/^Requests\/sec:\s+([\d.]+)/m, 'requests/s')[1])
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0)
  return {
    rps,
    p50Ms: durationMs(p50[1] as string),
    p99Ms: durationMs(p99[1] as string),
    requests,
    errors: non2xx + socketErrors,
    non2xx,
    socketErrors,
  }
}

async function runWrk(url: string, options: LoadOptions): Promise<LoadResult> {
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.durationS}s`,
    '--timeout',
    '5s',
    '--latency',
    url,
  ]
  const { stdout } = await run('wrk', args, { timeout: (options.durationS + 30) * 1000 })
  return parseWrk(stdout)
}
