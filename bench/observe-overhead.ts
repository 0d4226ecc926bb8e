/**
 * What metrics and JSON logs cost on the hot path: js-trivial served twice in the same run,
 * `--quiet --no-metrics` (off) and `--log-format json` with metrics (on: one JSON access line per
 * request into a pipe, request counter and latency histogram), in alternating rounds so drift
 * on a shared machine hits both alike. Answers are checked before timing, and the on-server's
 * request counter must account for every request the load generator made.
 *
 *   node --import tsx bench/observe-overhead.ts [--quick] [--rounds N]
 */
import { Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import { createHost, type Host } from '../host/host.js'
import { silentLogger } from '../host/observe/log.js'
import { createOutputLogger } from '../host/observe/log-output.js'
import { checkAnswer, get, HELLO } from './answer.js'
import { startServer, type Server } from './children.js'
import { benchFunction, workspace } from './fixtures.js'
import { loadGeneratorVersion, loadTest } from './load.js'
import { FULL, QUICK } from './settings.js'
import { median, round } from './stats.js'

/** The bound: with metrics and JSON logs on, js-trivial keeps at least 95 % of its rate. */
const MIN_RATIO = 0.95

type Mode = 'off' | 'on'
const ARGS: Record<Mode, string[]> = {
  off: ['--quiet', '--no-metrics'],
  on: ['--log-format', 'json'],
}

async function start(mode: Mode, dir: string): Promise<Server> {
  return startServer('host/cli/main', ['serve', dir, '--port', '0', ...ARGS[mode]])
}

/** fnhost_requests_total for js-trivial, 200, summed from the scrape. */
async function counted(server: Server): Promise<number> {
  const { status, body } = await get(server.url + '/_fnhost/metrics')
  if (status !== 200) throw new Error(`/_fnhost/metrics answered ${status}`)
  const line = body
    .split('\n')
    .find((l) => l.startsWith('fnhost_requests_total{function="js-trivial",status="200"'))
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0
}

/** Calls per timed batch of the in-process figure, and batches per side. */
const BATCH_CALLS = 2000
const BATCHES = 7

/**
 * The same comparison without sockets or the load generator: two hosts in this process, requests
 * through `app.request`, alternating batches; on a machine shared with other work this isolates
 * what the middleware costs per request better than a throughput run does.
 */
async function inProcess(dir: string): Promise<Record<Mode, number>> {
  let bytes = 0
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      bytes += chunk.length
      done()
    },
  })
  const hosts: Record<Mode, Host> = {
    off: await createHost({ dir, watch: false, logger: silentLogger, metrics: false }),
    on: await createHost({
      dir,
      watch: false,
      logger: createOutputLogger('json', sink),
      accessLog: true,
    }),
  }
  const perCall: Record<Mode, number[]> = { off: [], on: [] }
  try {
    for (const mode of ['off', 'on'] as Mode[]) {
      const res = await hosts[mode].app.request('/js-trivial')
      if (res.status !== 200 || (await res.text()) !== HELLO)
        throw new Error(`in-process ${mode}: wrong answer ${res.status}`)
    }
    for (let b = 0; b < BATCHES; b++) {
      for (const mode of (b % 2 === 0 ? ['off', 'on'] : ['on', 'off']) as Mode[]) {
        const start = performance.now()
        for (let i = 0; i < BATCH_CALLS; i++)
          await (await hosts[mode].app.request('/js-trivial')).arrayBuffer()
        perCall[mode].push(((performance.now() - start) * 1000) / BATCH_CALLS)
      }
    }
    if (bytes === 0) throw new Error('the JSON access log wrote nothing')
  } finally {
    await hosts.off[Symbol.asyncDispose]()
    await hosts.on[Symbol.asyncDispose]()
  }
  return { off: median(perCall.off), on: median(perCall.on) }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean' }, rounds: { type: 'string' } },
    strict: true,
  })
  const settings = values.quick ? QUICK : FULL
  const rounds = Number(values.rounds ?? (values.quick ? 2 : 3))
  process.stderr.write(`observe-overhead: ${await loadGeneratorVersion()}, ${rounds} rounds\n`)
  await using ws = await workspace()
  const dir = await ws.folder('observe', { 'js-trivial.js': await benchFunction('js-trivial.js') })
  const rps: Record<Mode, number[]> = { off: [], on: [] }
  const url = (s: Server) => s.url + '/js-trivial'
  const load = { connections: settings.connections, threads: settings.threads }
  for (let r = 0; r < rounds; r++) {
    for (const mode of (r % 2 === 0 ? ['off', 'on'] : ['on', 'off']) as Mode[]) {
      const server = await start(mode, dir)
      try {
        await checkAnswer(url(server), { status: 200, body: HELLO })
        await loadTest(url(server), { ...load, durationS: settings.warmupS })
        const result = await loadTest(url(server), { ...load, durationS: settings.durationS })
        await checkAnswer(url(server), { status: 200, body: HELLO })
        if (result.errors > 0) throw new Error(`${mode}: ${result.errors} errors under load`)
        if (mode === 'on') {
          const n = await counted(server)
          // Two answer checks each side, the warm-up and the timed run: the counter saw them all.
          if (n < result.requests + 4)
            throw new Error(
              `the request counter says ${n}, wrk made at least ${result.requests + 4}`,
            )
        }
        rps[mode].push(result.rps)
        process.stderr.write(`  round ${r + 1} ${mode}: ${round(result.rps)} req/s\n`)
      } finally {
        await server.stop()
      }
    }
  }
  const calls = await inProcess(dir)
  const off = median(rps.off)
  const on = median(rps.on)
  const ratio = on / off
  process.stdout.write(
    `js-trivial, median of ${rounds} rounds (${settings.durationS} s each, wrk -t${load.threads} -c${load.connections}):\n` +
      `  metrics off, no access log:        ${round(off)} req/s\n` +
      `  metrics on, JSON access log:        ${round(on)} req/s\n` +
      `  ratio on/off: ${ratio.toFixed(3)} (bound ${MIN_RATIO})\n` +
      `in process (app.request, no sockets, median of ${BATCHES} batches of ${BATCH_CALLS}):\n` +
      `  off ${round(calls.off, 1)} µs/request, on ${round(calls.on, 1)} µs/request, ` +
      `cost ${round(calls.on - calls.off, 1)} µs (${(((calls.on - calls.off) / calls.off) * 100).toFixed(1)} %)\n`,
  )
  return ratio >= MIN_RATIO ? 0 : 1
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`observe-overhead: ${(e as Error).message}\n`)
    process.exitCode = 1
  },
)
