import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { packageRoot } from '../../host/paths.js'
import { poolDefaults } from '../../host/pool/index.js'
import { errorAnswer, expectServes, hostPerTest } from './host.js'
import { scaled } from '../helpers/time.js'

const fixture = (name: string) => readFile(join(packageRoot, 'wasm', 'fixtures', name))
const GRACE_MS = poolDefaults().graceMs

describe('wasm guests', () => {
  const start = hostPerTest()

  it('stops a wasm loop in place, which nothing of its own interrupts: 504 CPU_LIMIT, then serves', async () => {
    const h = await start({
      'loop.wasm': await fixture('loop.wasm'),
      'loop.json': JSON.stringify({ timeoutMs: 300 }),
    })
    const answer = await errorAnswer(h.call, '/loop')
    expect(answer).toMatchObject({ status: 504, error: 'CPU_LIMIT' })
    expect(answer.elapsedMs).toBeLessThan(scaled(300 + GRACE_MS + 1000))
    expect(h.pool.stats()).toMatchObject({ kills: 0, stops: 1, respawns: 0 })
    await expectServes(h.call)
  })

  it('stops a wasm malloc bomb at its memory cap: 500 MEMORY_LIMIT, then serves', async () => {
    const h = await start({
      'bomb.wasm': await fixture('malloc-bomb.wasm'),
      'bomb.json': JSON.stringify({ memoryMb: 32 }),
    })
    const answer = await errorAnswer(h.call, '/bomb')
    expect(answer).toMatchObject({ status: 500, error: 'MEMORY_LIMIT' })
    await expectServes(h.call)
  })
})
