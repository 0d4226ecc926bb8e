import { readFile } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { parse, UsageError, withUsage } from './args.js'
import { adminFetch, asClient, CLIENT_FLAGS, namePath } from './admin-client.js'

const USAGE =
  'usage: fnhost deploy FILE [--name N] [--route R] [--config FILE.json] [--url URL]\n' +
  '  uploads FILE (.js, .ts, .wasm) to the host at --url (default http://127.0.0.1:8080)\n' +
  '  with the key in FNHOST_ADMIN_KEY; --name defaults to the file name without extension'

const TYPES: Record<string, string> = {
  '.js': 'application/javascript',
  '.mjs': 'application/javascript',
  '.cjs': 'application/javascript',
  '.ts': 'application/typescript',
  '.mts': 'application/typescript',
  '.cts': 'application/typescript',
  '.wasm': 'application/wasm',
}

export function run(argv: string[]): Promise<number> {
  return withUsage(USAGE, () =>
    asClient(async () => {
      const { values, positionals } = parse(argv, {
        allowPositionals: true,
        options: {
          name: { type: 'string' },
          route: { type: 'string' },
          config: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
          ...CLIENT_FLAGS,
        },
      })
      if (values.help) {
        process.stdout.write(USAGE + '\n')
        return 0
      }
      const [file, ...rest] = positionals
      if (!file || rest.length) throw new UsageError('deploy takes one FILE')
      const type = TYPES[extname(file)]
      if (!type) throw new UsageError(`${file}: deploy takes a .js, .ts or .wasm file`)
      const name = values.name ?? basename(file, extname(file))
      const bytes = await readFile(file)
      let config: Record<string, unknown> | undefined
      if (values.config) config = JSON.parse(await readFile(values.config, 'utf8')) as never
      if (values.route) config = { ...config, route: values.route }
      const headers: Record<string, string> = { 'content-type': type }
      if (config) headers['x-fnhost-config'] = JSON.stringify(config)
      const res = await adminFetch(values.url, `/functions/${namePath(name)}`, {
        method: 'PUT',
        headers,
        body: bytes,
      })
      const info = (await res.json()) as { name: string; route: string; version: string }
      process.stdout.write(
        `${res.status === 201 ? 'created' : 'updated'} ${info.name} at ${info.route} (version ${info.version.slice(0, 12)})\n`,
      )
      return 0
    }),
  )
}
