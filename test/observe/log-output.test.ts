import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { accessFields, accessMessage, type AccessEntry } from '../../host/observe/log.js'
import { batchedFd, LOG_FLUSH_BYTES, LOG_FLUSH_MS } from '../../host/observe/batched-fd.js'
import { ACCESS_DEFER_MS, createOutputLogger } from '../../host/observe/log-output.js'
import { packageRoot } from '../../host/paths.js'
import { scaled } from '../helpers/time.js'

/** The longest wait for output a test expects to have been written. */
const WRITTEN_MS = scaled(2000)

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

  it('writes a batch once LOG_FLUSH_BYTES are pending', async () => {
    const read = open()
    const out = batchedFd(fd as number)
    const line = `{"pad":"${'x'.repeat(1000)}"}\n`
    const needed = Math.ceil(LOG_FLUSH_BYTES / line.length)
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

  it('keeps lines whole and in order: multi-byte text, and a line longer than a batch', async () => {
    const read = open()
    const out = batchedFd(fd as number)
    const lines = [
      `{"a":"${'é'.repeat(5000)}"}\n`,
      `{"b":"${'😀'.repeat(3000)}"}\n`,
      `{"long":"${'x'.repeat(100_000)}"}\n`,
      `{"c":"${'ü'.repeat(20_000)}"}\n`,
      '{"d":1}\n',
    ]
    for (const line of lines) out.write(line)
    await expect.poll(read, { timeout: WRITTEN_MS }).toBe(lines.join(''))
  })

  it('writes what is still pending when the process exits', async () => {
    const module = join(packageRoot, 'host', 'observe', 'batched-fd.ts')
    const run = tsChild(
      `import { batchedFd } from ${JSON.stringify(module)}
const out = batchedFd(1)
// Fewer bytes than a batch: all of it is still waiting for the flush timer.
for (let i = 0; i < 1000; i++) out.write('{"n":' + i + '}\\n')
process.exit(0)
`,
      true,
    )
    expect(await run.exited).toBe(0)
    await run.closed
    const lines = run.out().trimEnd().split('\n')
    expect(lines.map((l) => (JSON.parse(l) as { n: number }).n)).toEqual([...Array(1000).keys()])
  })

  /** Runs `body` in a child process whose stdout is a pipe, with `log` a JSON output logger on it. */
  function loggingChild(body: string, read: boolean) {
    const module = join(packageRoot, 'host', 'observe', 'log-output.ts')
    return tsChild(
      `import { createOutputLogger } from ${JSON.stringify(module)}
const log = createOutputLogger('json', process.stdout)
${body}`,
      read,
    )
  }

  /** Runs the TypeScript module `source` in a child process whose stdout is a pipe (read or not). */
  function tsChild(source: string, read: boolean) {
    dir = mkdtempSync(join(tmpdir(), 'fnhost-log-'))
    const script = join(dir, 'child.mts')
    writeFileSync(script, source)
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: packageRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    if (read) child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    else child.stdout.pause()
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((r) => child.on('exit', r))
    const closed = new Promise<void>((r) => child.on('close', () => r()))
    return { exited, closed, child, out: () => stdout, err: () => stderr }
  }

  it('writes every line of a piped stdout in order, those pending at exit too', async () => {
    const run = loggingChild(
      `for (let i = 0; i < 3000; i++) {
  log.info('line ' + i + ' ' + 'x'.repeat(1000), { n: i })
  if (i % 256 === 0) await new Promise((r) => setTimeout(r, 2))
}
// Once the pipe has taken everything, ten more lines that wait for the flush timer at exit.
await new Promise((r) => setTimeout(r, 20))
while (process.stdout.writableLength > 0) await new Promise((r) => setTimeout(r, 5))
// Access lines among them, which wait to be formatted (ACCESS_DEFER_MS): the exit writes them,
// and each still comes before the line logged after it.
for (let i = 3000; i <= 3010; i++) {
  if (i % 2 === 0) log.access({ at: Date.now(), fn: 'f', requestId: undefined, method: 'GET', path: '/' + i, status: 200, elapsedMs: 1, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' })
  else log.info('line ' + i, { n: i })
}
process.exit(0)`,
      true,
    )
    expect(await run.exited).toBe(0)
    await run.closed
    const lines = run.out().trimEnd().split('\n')
    const numbers = lines.map((l) => {
      const line = JSON.parse(l) as { n?: number; path?: string }
      return line.n ?? Number(line.path?.slice(1))
    })
    expect(numbers).toEqual([...Array(3011).keys()])
  })

  it('never blocks on a piped stdout nobody reads', async () => {
    // 4 MiB of lines in small bursts, 64 times what the pipe holds; the child reports how it went.
    const run = loggingChild(
      `const started = performance.now()
let turns = 0
const ticking = setInterval(() => turns++, 1)
for (let i = 0; i < 4096; i++) {
  log.info('x'.repeat(1000), { n: i })
  if (i % 256 === 0) await new Promise((r) => setTimeout(r, 2))
}
clearInterval(ticking)
process.stderr.write(JSON.stringify({ ms: performance.now() - started, turns }))
process.exit(0)`,
      false,
    )
    try {
      expect(await run.exited).toBe(0)
      const report = JSON.parse(run.err()) as { ms: number; turns: number }
      expect(report.ms).toBeLessThan(scaled(2000))
      expect(report.turns).toBeGreaterThan(0)
    } finally {
      run.child.stdout.destroy()
    }
  })

  it('ends the output, not the process, when the reader goes away', async () => {
    // The reader closes its end of the pipe at once and says so, then lives on.
    const reader = spawn('sh', ['-c', 'exec <&-; echo closed; exec sleep 30'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    })
    try {
      await new Promise((r) => reader.stdout.once('data', r))
      const pipeFd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd
      const out = batchedFd(pipeFd)
      for (let i = 0; i < 100; i++) out.write(`{"n":${i}}\n`)
      // The write fails (EPIPE) where nobody sees it; later lines are dropped without a throw.
      await new Promise((r) => setTimeout(r, scaled(LOG_FLUSH_MS + 100)))
      for (let i = 0; i < 2000; i++) expect(out.write(`{"n":${i}}\n`)).toBe(true)
      await new Promise((r) => setTimeout(r, scaled(LOG_FLUSH_MS + 100)))
    } finally {
      reader.kill('SIGKILL')
    }
  })

  it('writes an access line as pino writes any line with the same fields', async () => {
    const out = new PassThrough()
    let text = ''
    out.on('data', (d: Buffer) => (text += d.toString()))
    const logger = createOutputLogger('json', out)
    const base: AccessEntry = {
      at: Date.UTC(2026, 11, 1, 4, 38, 58, 447),
      fn: 'js-trivial',
      requestId: '0c9ea2a3-e312-4122-b0c8-a44b240e3614',
      method: 'GET',
      path: '/js-trivial',
      status: 200,
      elapsedMs: 2.25,
      traceparent: '00-956398e92dc5415d94331173f2e8d88d-a04708d79bb7ef25-01',
    }
    const entries: AccessEntry[] = [
      base,
      { ...base, fn: undefined, status: 404, elapsedMs: 1e-7 },
      { ...base, requestId: undefined, elapsedMs: 12345.96 },
      // Everything JSON escapes, and what it need not: a path is what the client sent.
      { ...base, method: 'PO"ST', path: '/a"b\\c\u0001d\u2028é😀%0a' },
      // Either alone needing it: the message holds both.
      { ...base, path: '/q"x' },
      { ...base, method: 'G\nET' },
    ]
    for (const entry of entries) {
      text = ''
      logger.info(accessMessage(entry), accessFields(entry))
      logger.access(entry)
      await new Promise((r) => setTimeout(r, ACCESS_DEFER_MS + 5))
      const [generic, access, rest] = text.split('\n')
      expect(rest).toBe('')
      // pino stamps its own time; the access line carries the entry's.
      expect(access).toContain(`"time":"${new Date(entry.at).toISOString()}"`)
      const anyTime = (line?: string) => line?.replace(/"time":"[^"]*"/, '"time":""')
      expect(anyTime(access)).toBe(anyTime(generic))
      expect(JSON.parse(access as string)).toMatchObject({ path: entry.path, method: entry.method })
    }
  })
})
