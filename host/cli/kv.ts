import { readFileSync } from 'node:fs'
import { failureMessage } from './admin-client.js'
import { intOption, parse, UsageError, withUsage } from './args.js'

const USAGE = `usage: fnhost kv list [NAMESPACE] [--prefix P] [--limit N] [--url URL]
       fnhost kv get NAMESPACE KEY [--url URL]
       fnhost kv put NAMESPACE KEY [VALUE | --file F] [--ttl SECONDS] [--url URL]
       fnhost kv rm NAMESPACE KEY [--url URL]
  talks to a running host's management API: --url defaults to $FNHOST_URL or
  http://127.0.0.1:8080, the key comes from $FNHOST_ADMIN_KEY. NAMESPACE is a function's name
  (its own namespace, fn:<name>) or shared:<name>; list without one lists the namespaces.`

/** A function's name stands for its own namespace; `fn:` and `shared:` names pass as they are. */
function namespaceArg(raw: string | undefined): string {
  if (!raw) throw new UsageError('a namespace is needed')
  return /^(?:fn|shared):/.test(raw) ? raw : `fn:${raw}`
}

interface Client {
  call(method: string, path: string, body?: Uint8Array<ArrayBuffer>): Promise<Response>
}

function client(url: string): Client {
  const base = url.replace(/\/+$/, '') + '/_fnhost/v1'
  const key = process.env.FNHOST_ADMIN_KEY
  return {
    async call(method, path, body) {
      const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {}
      let res: Response
      try {
        res = await fetch(base + path, { method, headers, body })
      } catch (e) {
        throw new Error(`cannot reach ${url}: ${(e as Error).message}`, { cause: e })
      }
      if (res.ok) return res
      throw new Error(`${res.status}: ${await failureMessage(res)}`)
    },
  }
}

const keyPath = (ns: string, key: string) =>
  `/kv/namespaces/${encodeURIComponent(ns)}/keys/${encodeURIComponent(key)}`

async function list(api: Client, ns: string | undefined, prefix?: string, limit?: number) {
  if (ns === undefined) {
    const { namespaces } = (await (await api.call('GET', '/kv/namespaces')).json()) as {
      namespaces: { name: string; keys: number; bytes: number }[]
    }
    for (const n of namespaces)
      process.stdout.write(`${n.name}\t${n.keys} keys\t${n.bytes} bytes\n`)
    return
  }
  let cursor: string | undefined
  let left = limit ?? Infinity
  do {
    const q = new URLSearchParams()
    if (prefix) q.set('prefix', prefix)
    if (cursor) q.set('cursor', cursor)
    q.set('limit', String(Math.min(1000, left)))
    const page = (await (
      await api.call('GET', `/kv/namespaces/${encodeURIComponent(ns)}/keys?${q}`)
    ).json()) as { keys: { name: string; expiration?: number }[]; cursor?: string }
    for (const k of page.keys)
      process.stdout.write(
        k.expiration
          ? `${k.name}\texpires ${new Date(k.expiration).toISOString()}\n`
          : `${k.name}\n`,
      )
    left -= page.keys.length
    cursor = page.cursor
  } while (cursor && left > 0)
}

export function run(argv: string[]): Promise<number> {
  return withUsage(USAGE, async () => {
    const { values, positionals } = parse(argv, {
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        prefix: { type: 'string' },
        limit: { type: 'string' },
        ttl: { type: 'string' },
        file: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
    if (values.help) {
      process.stdout.write(USAGE + '\n')
      return 0
    }
    const [action, nsArg, key, value] = positionals
    const api = client(values.url ?? process.env.FNHOST_URL ?? 'http://127.0.0.1:8080')
    const needKey = () => {
      if (key === undefined) throw new UsageError(`kv ${action} needs NAMESPACE and KEY`)
      return key
    }
    try {
      switch (action) {
        case 'list':
          if (positionals.length > 2) throw new UsageError('kv list takes at most a namespace')
          await list(
            api,
            nsArg === undefined ? undefined : namespaceArg(nsArg),
            values.prefix,
            values.limit === undefined ? undefined : intOption(values.limit, '--limit', 1000),
          )
          return 0
        case 'get': {
          const res = await api.call('GET', keyPath(namespaceArg(nsArg), needKey()))
          process.stdout.write(new Uint8Array(await res.arrayBuffer()))
          return 0
        }
        case 'put': {
          const k = needKey()
          if ((value === undefined) === (values.file === undefined))
            throw new UsageError('kv put takes a VALUE or --file F (- for stdin)')
          const bytes =
            value !== undefined
              ? new TextEncoder().encode(value)
              : new Uint8Array(readFileSync(values.file === '-' ? 0 : values.file!))
          const ttl = values.ttl === undefined ? '' : `?ttl=${intOption(values.ttl, '--ttl', 0)}`
          await api.call('PUT', keyPath(namespaceArg(nsArg), k) + ttl, bytes)
          return 0
        }
        case 'rm':
          await api.call('DELETE', keyPath(namespaceArg(nsArg), needKey()))
          return 0
        default:
          throw new UsageError(
            action ? `unknown kv action '${action}'` : 'kv needs an action: list, get, put or rm',
          )
      }
    } catch (e) {
      if (e instanceof UsageError) throw e
      process.stderr.write(`fnhost kv: ${(e as Error).message}\n`)
      return 1
    }
  })
}
