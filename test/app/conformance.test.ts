import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { createPool, type WorkerPool } from '../../host/pool/index.js'
import { silentLogger } from '../../host/observe/log.js'
import { functionsDir } from '../helpers/fsdir.js'
import { startHost, transports } from '../helpers/host.js'
import type { FnhostError } from '../../host/errors.js'
import { invokeScheduled } from '../../host/triggers/invoke.js'
import { responseOf } from '../helpers/invoke.js'
import {
  checkResponse,
  conformanceCases,
  conformanceRequest,
  describeRequest,
  type ConformanceCase,
} from '../sandbox/conformance.js'

/**
 * The sandbox conformance cases again, end to end: each case's function is dropped into a
 * functions folder (its config as a sidecar), served through the worker pool, and reached over
 * app.request() and over a real server. Expected failures arrive as the error schema.
 */
async function serveCase(
  c: ConformanceCase,
  transport: (typeof transports)[number],
  pool: WorkerPool,
) {
  const routes = [...new Set(c.requests.map((r) => r.route ?? '/fn'))]
  const config = { ...(c.config as object), route: routes }
  const dir = await functionsDir({
    [`case${extname(c.file)}`]: new Uint8Array(await readFile(c.file)),
    'case.json': JSON.stringify(config),
  })
  try {
    await using t = await startHost(transport, { dir: dir.path, sharedPool: pool })
    for (const expected of c.requests) {
      if (expected.scheduled) {
        const { cron, payload } = expected.scheduled
        const tick = { cron, payload: payload ?? null, scheduledTime: Date.now() }
        try {
          const res = await invokeScheduled(t.host.registry, 'case', tick, silentLogger)
          assert.equal(expected.error, undefined, `expected ${expected.error}, got ${res.status}`)
          await checkResponse(expected, responseOf(res))
        } catch (e) {
          if (expected.error === undefined) throw e
          assert.equal((e as FnhostError).code, expected.error, describeRequest(expected))
        }
        continue
      }
      if (!expected.request) throw new Error(`${c.name}: an entry without a request`)
      const req = conformanceRequest(expected.request)
      const res = await t.call(expected.request.path, {
        method: req.method,
        headers: req.headers,
        body: req.body ? await req.arrayBuffer() : undefined,
        redirect: 'manual',
      })
      if (expected.error === undefined) {
        await checkResponse(expected, res)
        continue
      }
      const body = (await res.json()) as { error: string; code: number; message: string }
      const where = describeRequest(expected)
      assert.equal(body.error, expected.error, `${where}: error (${body.message})`)
      assert.equal(res.status, body.code, `${where}: status matches the body's code`)
      if (expected.status !== undefined)
        assert.equal(res.status, expected.status, `${where}: status`)
      if (expected.bodyContains !== undefined)
        assert.ok(
          body.message.includes(expected.bodyContains),
          `${where}: message: ${body.message}`,
        )
    }
  } finally {
    await dir[Symbol.asyncDispose]()
  }
}

describe.each(transports)('conformance through the host and the pool, via %s', (transport) => {
  let pool: WorkerPool
  beforeAll(() => {
    pool = createPool({ workers: 1, warmSpare: false, logger: silentLogger })
  })
  afterAll(() => pool[Symbol.asyncDispose]())

  for (const c of conformanceCases(['quickjs', 'wasi', 'micro', 'component']))
    it(`${c.name} (${c.kind})`, () => serveCase(c, transport, pool))
})
