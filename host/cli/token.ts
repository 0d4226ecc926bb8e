import { resolve } from 'node:path'
import { KeyConfigError, signKeyFrom } from '../auth/keys.js'
import { mintToken, MintError, parseTtl } from '../auth/mint.js'
import { HostConfigError, mergeHostConfig, readHostConfig } from '../host-config.js'
import { parse, UsageError, withUsage } from './args.js'
import { configOverrides, CONFIG_FLAGS } from './config-flags.js'

const USAGE =
  "usage: fnhost token --function NAME|'*' [--ttl 1h] [--dir ./functions] [--sub SUBJECT]\n" +
  "  signs with FNHOST_JWT_SECRET or auth.privateKeyFile of the folder's fnhost.json;\n" +
  '  the token carries scope invoke:NAME and the configured issuer and audience'

export function run(argv: string[]): Promise<number> {
  return withUsage(USAGE, async () => {
    const { values } = parse(argv, {
      options: {
        function: { type: 'string', short: 'f' },
        ttl: { type: 'string' },
        dir: { type: 'string' },
        sub: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...CONFIG_FLAGS,
      },
    })
    if (values.help) {
      process.stdout.write(USAGE + '\n')
      return 0
    }
    if (!values.function) throw new UsageError("--function NAME (or '*') is required")
    let ttlS: number
    try {
      ttlS = parseTtl(values.ttl ?? '1h')
    } catch (e) {
      if (e instanceof MintError) throw new UsageError(e.message)
      throw e
    }
    const dir = resolve(values.dir ?? './functions')
    try {
      const config = mergeHostConfig(
        await readHostConfig(dir),
        configOverrides(values, process.env),
      )
      const key = await signKeyFrom(config.auth, dir)
      if (!key) {
        process.stderr.write(
          'fnhost: no signing key: set FNHOST_JWT_SECRET, or auth.privateKeyFile in fnhost.json\n',
        )
        return 1
      }
      const { token } = await mintToken(key, config.auth, {
        fn: values.function,
        ttlS,
        subject: values.sub,
      })
      process.stdout.write(token + '\n')
      return 0
    } catch (e) {
      if (e instanceof HostConfigError || e instanceof KeyConfigError) {
        process.stderr.write(`fnhost: ${e.message}\n`)
        return 1
      }
      throw e
    }
  })
}
