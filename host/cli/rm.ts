import { parse, UsageError, withUsage } from './args.js'
import { adminFetch, asClient, CLIENT_FLAGS, namePath } from './admin-client.js'

const USAGE =
  'usage: fnhost rm NAME [--url URL]\n  removes the function NAME from the host at --url'

export function run(argv: string[]): Promise<number> {
  return withUsage(USAGE, () =>
    asClient(async () => {
      const { values, positionals } = parse(argv, {
        allowPositionals: true,
        options: { help: { type: 'boolean', short: 'h' }, ...CLIENT_FLAGS },
      })
      if (values.help) {
        process.stdout.write(USAGE + '\n')
        return 0
      }
      const [name, ...rest] = positionals
      if (!name || rest.length) throw new UsageError('rm takes one NAME')
      await adminFetch(values.url, `/functions/${namePath(name)}`, { method: 'DELETE' })
      process.stdout.write(`removed ${name}\n`)
      return 0
    }),
  )
}
