import { afterEach, describe, expect, it } from 'vitest'
import { startServer, type Server } from '../../bench/children.js'
import { cpuWindow } from '../../bench/cpu.js'
import { sleep } from '../../bench/stats.js'
import { scaled } from '../helpers/time.js'

/** How long the window stays open; the spinning worker is on CPU for much of it even on a busy machine. */
const WINDOW_MS = scaled(1000)

describe('CPU per thread of a server the bench starts', () => {
  let server: Server | undefined
  afterEach(async () => {
    await server?.stop()
    server = undefined
  })

  it.runIf(process.platform === 'linux')(
    'tells a busy worker thread from an idle main thread',
    async () => {
      // A worker started with `execArgv: []`, as the host's pool starts its workers.
      server = await startServer('test/fixtures/bench/spin-worker', [])
      const window = cpuWindow(server.pid)
      await sleep(WINDOW_MS)
      const cpu = window.end(1)
      expect(cpu.workerThreads).toBe(1)
      expect(cpu.workersUs).toBeGreaterThan(0)
      expect(cpu.workersUs).toBeGreaterThan(5 * cpu.mainUs)
      expect(cpu.totalUs).toBeGreaterThanOrEqual(cpu.mainUs + cpu.workersUs)
      // µs per request: with 4 requests each part is a quarter.
      expect(window.end(4).workersUs).toBeGreaterThan(0)
    },
    scaled(30_000),
  )
})
