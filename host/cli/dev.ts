import { lookup } from 'node:dns/promises'
import { isLoopbackAddress } from '../loopback.js'
import { UsageError } from './args.js'

/**
 * The address `serve --dev` listens on: the --host given, only if it is loopback. `localhost` is
 * resolved here and every address it names must be loopback, so what is bound is checked, not a
 * name. Runs before the host starts: a refused --host never listens, not even for a moment.
 */
export async function devListenAddress(host: string): Promise<string> {
  if (isLoopbackAddress(host)) return host.replace(/^\[|\]$/g, '')
  if (host.toLowerCase() === 'localhost') {
    const addresses = await lookup(host, { all: true }).catch(() => [])
    const first = addresses[0]
    if (first && addresses.every((a) => isLoopbackAddress(a.address))) return first.address
  }
  throw new UsageError(
    `--dev opens the management API and the dashboard without a key, so it listens on loopback ` +
      `only: --host ${host} is not a loopback address (use 127.0.0.1, ::1 or localhost)`,
  )
}
