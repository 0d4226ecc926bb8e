/**
 * What metrics and JSON logs cost on the hot path, alone: the `observe` section of
 * `npm run bench` (bench/scenarios/observe.ts: js-trivial served with metrics and JSON access
 * logs off, metrics alone, and both on, in rotating order), then the same comparison in-process
 * (`app.request`, no sockets), which is steadier on a busy machine. Exit code 1 when the ratio
 * misses the bound.
 *
 *   node --import tsx bench/observe-overhead.ts [--quick] [--rounds N] [--generator wrk|autocannon]
 */
import { Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import { createHost, type Host } from '../host/host.js'
import { silentLogger } from '../host/observe/log.js'
import { createOutputLogger } from '../host/observe/log-output.js'
import { HELLO } from './answer.js'
import { benchFunction, workspace } from './fixtures.js'
import { chooseLoadGenerator, GENERATOR_NAMES, type GeneratorName } from './load.js'
import {
  measureObserve,
  OBSERVE_MIN_RATIO,
  observeRounds,
  observeSection,
} from './scenarios/observe.js'
import { FULL, QUICK } from './settings.js'
import { median, round } from './stats.js'

/** The in-process figure compares the two ends only: both off, and metrics with JSON logs. */
type Mode = 'off' | 'on'

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
    options: {
      quick: { type: 'boolean' },
      rounds: { type: 'string' },
      generator: { type: 'string' },
    },
    strict: true,
  })
  const settings = { ...(values.quick ? QUICK : FULL), quick: values.quick ?? false }
  const rounds = values.rounds === undefined ? observeRounds(settings) : Number(values.rounds)
  const wanted = values.generator
  if (wanted !== undefined && !(GENERATOR_NAMES as readonly string[]).includes(wanted))
    throw new Error(`--generator takes ${GENERATOR_NAMES.join(' or ')}`)
  const generator = await chooseLoadGenerator(wanted as GeneratorName | undefined)
  process.stderr.write(`observe-overhead: ${generator.version}, ${rounds} rounds\n`)
  await using ws = await workspace()
  const result = await measureObserve(ws, settings, generator, rounds, (l) =>
    process.stderr.write(`  ${l}\n`),
  )
  const calls = await inProcess(
    await ws.folder('in-process', { 'js-trivial.js': await benchFunction('js-trivial.js') }),
  )
  process.stdout.write(
    observeSection(result) +
      `\nin process (app.request, no sockets, median of ${BATCHES} batches of ${BATCH_CALLS}):\n` +
      `  off ${round(calls.off, 1)} µs/request, on ${round(calls.on, 1)} µs/request, ` +
      `cost ${round(calls.on - calls.off, 1)} µs (${(((calls.on - calls.off) / calls.off) * 100).toFixed(1)} %)\n`,
  )
  return result.ratio >= OBSERVE_MIN_RATIO ? 0 : 1
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`observe-overhead: ${(e as Error).message}\n`)
    process.exitCode = 1
  },
)
