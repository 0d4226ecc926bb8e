import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../../host/paths.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost } from '../helpers/host.js'
import { scaled } from '../helpers/time.js'

const OUTGOING = readFileSync(join(packageRoot, 'wasm/fixtures/component-outgoing.wasm'))

describe('outgoing HTTP from a component, over a real socket', () => {
  let upstream: Server
  let target: string
  let dir: TempDir
  beforeAll(async () => {
    upstream = createServer((_req, res) => res.end('upstream ok'))
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    target = `127.0.0.1:${(upstream.address() as AddressInfo).port}`
    dir = await functionsDir({ 'outgoing.wasm': OUTGOING })
  })
  afterAll(async () => {
    await new Promise((resolve) => upstream?.close(resolve))
    await dir?.[Symbol.asyncDispose]()
  })

  it(
    'is refused to 127.0.0.1 by default, the reason in the log',
    async () => {
      await using h = await startHost('real server', { dir: dir.path })
      const res = await h.call(`/outgoing?${target}`)
      expect(res.status).toBe(200)
      expect(await res.text()).toBe('denied')
      const guest = h.logs.filter((l) => l.fields.src === 'guest').map((l) => l.message)
      expect(guest.some((m) => m.includes('loopback'))).toBe(true)
    },
    scaled(60_000),
  )

  it(
    "reaches a loopback server the host allows (fnhost.json's fetch.allowPrivate)",
    async () => {
      await dir.write('fnhost.json', JSON.stringify({ fetch: { allowPrivate: [target] } }))
      try {
        await using h = await startHost('real server', { dir: dir.path })
        const res = await h.call(`/outgoing?${target}`)
        expect(await res.text()).toBe('status 200: upstream ok')
      } finally {
        await dir.remove('fnhost.json')
      }
    },
    scaled(60_000),
  )
})
