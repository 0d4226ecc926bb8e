import type { RunRecord } from '../triggers/history.js'
import { parse, UsageError, withUsage } from './args.js'
import { Remote, REMOTE_OPTIONS, REMOTE_USAGE } from './remote.js'

const USAGE =
  'usage: fnhost trigger <name> [-d JSON] [--url URL] [--runs]\n' +
  "  runs the function's scheduled handler now on a running host and prints the outcome;\n" +
  '  -d gives the payload (default: the one in its schedule); --runs prints its last runs instead\n' +
  REMOTE_USAGE

export function run(argv: string[]): Promise<number> {
  return withUsage(USAGE, async () => {
    const { values, positionals } = parse(argv, {
      allowPositionals: true,
      options: {
        ...REMOTE_OPTIONS,
        data: { type: 'string', short: 'd' },
        runs: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
    if (values.help) {
      process.stdout.write(USAGE + '\n')
      return 0
    }
    if (positionals.length !== 1) throw new UsageError('trigger takes one function name')
    const name = positionals[0]!
    const remote = new Remote(values.url)
    if (values.runs) {
      const res = await remote.fetch(remote.functionPath(name, 'runs'))
      const { runs } = (await res.json()) as { runs: RunRecord[] }
      for (const r of runs) process.stdout.write(describe(r) + '\n')
      return 0
    }
    if (values.data !== undefined) {
      try {
        JSON.parse(values.data)
      } catch {
        throw new UsageError('-d takes a JSON payload')
      }
    }
    const res = await remote.fetch(remote.functionPath(name, 'trigger'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: values.data,
    })
    const record = (await res.json()) as RunRecord
    process.stdout.write(JSON.stringify(record, null, 2) + '\n')
    return record.error !== undefined || (record.status ?? 0) >= 500 ? 1 : 0
  })
}

function describe(r: RunRecord): string {
  const outcome = r.error ?? `status ${r.status}`
  return `${r.startedAt}  ${r.trigger.padEnd(6)}  ${outcome.padEnd(14)}  ${r.durationMs}ms  ${r.requestId}`
}
