import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { promisify } from 'node:util'
import type { LoadGenerator, LoadOptions, LoadResult } from './load.js'

const run = promisify(execFile)
const require = createRequire(import.meta.url)

/** The fields of autocannon's `--json` result the bench reads. */
interface AutocannonJson {
  duration: number
  errors: number
  timeouts: number
  non2xx: number
  latency: { p50: number; p99: number }
  requests: { total: number }
}

export class AutocannonOutputError extends Error {
  override readonly name = 'AutocannonOutputError'
}

/**
 * Reads autocannon's `--json` result. Its latencies are whole milliseconds (its histogram's
 * smallest unit is 1 ms), and only 2xx answers are in them; `errors` already holds the timeouts;
 * `non2xx` counts 1xx, 3xx, 4xx and 5xx (wrk's counts everything outside 2xx-3xx).
 */
export function parseAutocannon(out: string): LoadResult {
  let r: AutocannonJson
  try {
    r = JSON.parse(out) as AutocannonJson
  } catch (e) {
    throw new AutocannonOutputError(`autocannon printed no JSON result:\n${out.slice(0, 500)}`, {
      cause: e,
    })
  }
  const numbers = [
    r.duration,
    r.errors,
    r.non2xx,
    r.latency?.p50,
    r.latency?.p99,
    r.requests?.total,
  ]
  if (!numbers.every((n) => typeof n === 'number' && Number.isFinite(n)) || r.duration <= 0)
    throw new AutocannonOutputError(`autocannon's JSON lacks a field:\n${out.slice(0, 500)}`)
  return {
    rps: r.requests.total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.non2xx,
    non2xx: r.non2xx,
    socketErrors: r.errors,
  }
}

/** autocannon's command-line entry from node_modules, run as its own Node process. */
export function autocannonGenerator(): LoadGenerator {
  const entry = require.resolve('autocannon/autocannon.js')
  const { version } = JSON.parse(
    readFileSync(require.resolve('autocannon/package.json'), 'utf8'),
  ) as { version: string }
  return {
    name: 'autocannon',
    version: `autocannon ${version} (Node ${process.version})`,
    async run(url: string, options: LoadOptions) {
      const args = [
        entry,
        '-c',
        String(options.connections),
        '-d',
        String(options.durationS),
        '-t',
        '5',
        '--json',
        url,
      ]
      const { stdout } = await run(process.execPath, args, {
        timeout: (options.durationS + 30) * 1000,
        maxBuffer: 16 * 2 ** 20,
      })
      return parseAutocannon(stdout)
    },
  }
}
