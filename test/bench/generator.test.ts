import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAutocannon } from '../../bench/autocannon.js'
import { chooseLoadGenerator } from '../../bench/load.js'
import { scaled } from '../helpers/time.js'

/** Each tiny load run; the test bound leaves room for autocannon's own start on a busy machine. */
const LOAD_S = 1
const RUN_TIMEOUT_MS = scaled(30_000)

describe('autocannon, the load generator where wrk is missing', () => {
  let server: Server
  let base: string
  const answered = { ok: 0, busy: 0 }
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/busy') {
        answered.busy++
        res.writeHead(503).end('busy')
      } else {
        answered.ok++
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it(
    'runs as its own process when forced, and counts what the server answered',
    async () => {
      const generator = await chooseLoadGenerator('autocannon')
      expect(generator.name).toBe('autocannon')
      expect(generator.version).toMatch(/^autocannon \d+\.\d+\.\d+/)
      const r = await generator.run(`${base}/`, { connections: 4, threads: 1, durationS: LOAD_S })
      expect(r.requests).toBeGreaterThan(0)
      // Every answer it counted reached the server; requests cut off at the end may be unanswered.
      expect(r.requests).toBeLessThanOrEqual(answered.ok)
      expect(r.errors).toBe(0)
      expect(r.rps).toBeGreaterThan(0)
      expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms)
    },
    RUN_TIMEOUT_MS,
  )

  it(
    'reports answers outside 2xx as errors',
    async () => {
      const generator = await chooseLoadGenerator('autocannon')
      const r = await generator.run(`${base}/busy`, {
        connections: 2,
        threads: 1,
        durationS: LOAD_S,
      })
      expect(r.requests).toBeGreaterThan(0)
      expect(r.non2xx).toBe(r.requests)
      expect(r.errors).toBe(r.requests)
      expect(answered.busy).toBeGreaterThanOrEqual(r.requests)
    },
    RUN_TIMEOUT_MS,
  )

  it('refuses output that is not its JSON result', () => {
    expect(() => parseAutocannon('Running 1s test @ http://127.0.0.1:1\n')).toThrow(/no JSON/)
    expect(() => parseAutocannon('{"duration":1}')).toThrow(/lacks a field/)
  })
})
