import { parse, withUsage } from './args.js'
import { adminFetch, asClient, CLIENT_FLAGS } from './admin-client.js'

const USAGE = 'usage: fnhost ls [--url URL] [--json]\n  lists the functions of the host at --url'

interface Row {
  name: string
  route: string
  driver?: string
  state: string
  version: string
  private?: boolean
  reason?: string
}

export function run(argv: string[]): Promise<number> {
  return withUsage(USAGE, () =>
    asClient(async () => {
      const { values } = parse(argv, {
        options: {
          json: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
          ...CLIENT_FLAGS,
        },
      })
      if (values.help) {
        process.stdout.write(USAGE + '\n')
        return 0
      }
      const res = await adminFetch(values.url, '/functions')
      const { functions } = (await res.json()) as { functions: Row[] }
      if (values.json) {
        process.stdout.write(JSON.stringify(functions, null, 2) + '\n')
        return 0
      }
      const width = Math.max(4, ...functions.map((f) => f.route.length))
      for (const f of functions) {
        const state = f.state === 'ready' ? (f.private ? 'private' : 'public') : 'FAILED'
        const tail = f.state === 'ready' ? f.version.slice(0, 12) : (f.reason ?? '')
        process.stdout.write(
          `${f.route.padEnd(width)}  ${f.name}  ${f.driver ?? '-'}  ${state}  ${tail}\n`,
        )
      }
      return 0
    }),
  )
}
