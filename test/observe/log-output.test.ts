import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { batchedFd, LOG_FLUSH_CHARS, LOG_FLUSH_MS } from '../../host/observe/log-output.js'
import { scaled } from '../helpers/time.js'

describe('JSON log output', () => {
  let dir: string | undefined
  let fd: number | undefined
  afterEach(() => {
    if (fd !== undefined) closeSync(fd)
    if (dir) rmSync(dir, { recursive: true, force: true })
    dir = fd = undefined
  })
  const open = () => {
    dir = mkdtempSync(join(tmpdir(), 'fnhost-log-'))
    const file = join(dir, 'log')
    fd = openSync(file, 'w')
    return () => readFileSync(file, 'utf8')
  }

  it('writes the lines of a burst together, within LOG_FLUSH_MS', async () => {
    const read = open()
    const out = batchedFd(fd as number)
    for (let i = 0; i < 100; i++) out.write(`{"n":${i}}\n`)
    // Nothing is written while the burst runs: one write takes the lot.
    expect(read()).toBe('')
    await new Promise((r) => setTimeout(r, scaled(LOG_FLUSH_MS + 50)))
    const lines = read().trimEnd().split('\n')
    expect(lines).toHaveLength(100)
    expect(lines.map((l) => (JSON.parse(l) as { n: number }).n)).toEqual([...Array(100).keys()])
  })

  it('writes a batch once LOG_FLUSH_CHARS are pending', async () => {
    const read = open()
    const out = batchedFd(fd as number)
    const line = `{"pad":"${'x'.repeat(1000)}"}\n`
    const needed = Math.ceil(LOG_FLUSH_CHARS / line.length)
    for (let i = 0; i < needed - 1; i++) out.write(line)
    expect(read()).toBe('')
    out.write(line)
    await expect.poll(read, { timeout: scaled(1000) }).toBe(line.repeat(needed))
  })

  it('never blocks on a reader that does not read', async () => {
    // A pipe whose reader never reads: it fills after 64 KiB.
    const reader = spawn('sleep', ['30'], { stdio: ['pipe', 'ignore', 'ignore'] })
    try {
      const pipeFd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd
      const out = batchedFd(pipeFd)
      const line = `{"pad":"${'x'.repeat(1000)}"}\n`
      const started = performance.now()
      let turns = 0
      const ticking = setInterval(() => turns++, 1)
      // 4 MiB of lines, 64 times what the pipe holds, in small bursts.
      for (let i = 0; i < 4096; i++) {
        out.write(line)
        if (i % 256 === 0) await new Promise((r) => setTimeout(r, 2))
      }
      clearInterval(ticking)
      expect(performance.now() - started).toBeLessThan(scaled(2000))
      expect(turns).toBeGreaterThan(0)
    } finally {
      reader.kill('SIGKILL')
    }
  })
})
