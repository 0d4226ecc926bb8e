import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { packageRoot } from '../../host/paths.js'
import { createPool, type WorkerPool } from '../../host/pool/index.js'
import { invokeHttp } from '../helpers/invoke.js'
import { sized } from '../helpers/size.js'
import { specFor } from '../helpers/spec.js'
import { scaled } from '../helpers/time.js'
import { invokeOptions } from '../pool/helpers.js'

/**
 * Spinner + counter pairs: thousands of invocations, every spinner ending close to its deadline
 * (a stress loop: fewer in test:fast, each offset from the deadline still tried ~40 times).
 */
const PAIRS = sized(2000, 500)
/** Each spinner's deadline, from when it is sent. */
const BUDGET_MS = 6
/** Spinners end from EARLY_MS before their deadline to LATE_MS after it (the watchdog acts at +1). */
const EARLY_MS = 8
const LATE_MS = 3
/**
 * The time between a spinner's loop ending (its clock, the host's wall clock at millisecond
 * resolution, reaching `until`) and its guest code returning to the host: the clock's resolution,
 * wasi-libc's exit path, and what a GC pause or the OS takes from the thread in between on a
 * shared 2-core machine (measured: up to 3 ms, once in ~5,000 spinners). A spinner whose loop
 * ended earlier than this before its deadline had finished before it: stopping it would be
 * stopping code that no longer ran, the race this test looks for.
 */
const EXIT_NOISE_MS = scaled(4)
/**
 * The last resort's grace, widened from the pool's 100 ms: a 2-core machine shared with other
 * test runs stalls a thread for 100+ ms now and then, which this test is not about. A stop that
 * never lands still costs the worker, and kills are counted.
 */
const GRACE_MS = scaled(1000)
/** A counter call queued behind a spinner never waits longer than this for its answer. */
const COUNTER_TIMEOUT_MS = scaled(10_000)
/** The whole race, on a shared 2-core machine. */
const TEST_MS = scaled(120_000)

type Outcome = { status: number; body: string } | { error: string; message: string }

async function outcome(p: Promise<Response>): Promise<Outcome> {
  try {
    const res = await p
    return { status: res.status, body: await res.text() }
  } catch (e) {
    const { code, message } = e as { code?: string; message?: string }
    return { error: code ?? String(e), message: message ?? '' }
  }
}

describe('stops at deadlines, under a race', () => {
  let pool: WorkerPool | undefined
  afterEach(async () => {
    await pool?.[Symbol.asyncDispose]()
    pool = undefined
  })

  it(
    `stops only invocations that overran, over ${PAIRS} spinners ending at their deadlines`,
    async () => {
      pool = createPool({ workers: 1, warmup: false, graceMs: GRACE_MS })
      const spinner = await pool.load(
        specFor('/fns/spin.wasm', {
          name: 'spin',
          source: await readFile(join(packageRoot, 'wasm', 'fixtures', 'spin-until.wasm')),
          config: { timeoutMs: BUDGET_MS },
        }),
      )
      const counter = await pool.load(
        specFor('/fns/count.js', {
          name: 'count',
          source: `let n = 0\nexport default { fetch: () => new Response(String(++n)) }`,
        }),
      )
      const wrongly: string[] = []
      let stoppedOverrun = 0
      let finishedInTime = 0
      for (let i = 0; i < PAIRS; i++) {
        const before = pool.stats().stops
        const { opts, lines } = invokeOptions(BUDGET_MS)
        const offset = -EARLY_MS + (i % (EARLY_MS + LATE_MS + 1))
        const until = opts.deadline + offset
        const spin = outcome(invokeHttp(spinner, new Request(`http://h/?until=${until}`), opts))
        // Queued right behind the spinner on the one worker: the invocation a stray stop would hit.
        const next = outcome(
          invokeHttp(counter, new Request('http://h/'), invokeOptions(COUNTER_TIMEOUT_MS).opts),
        )
        const [s, n] = await Promise.all([spin, next])
        const stopped = pool.stats().stops - before
        // Its shared sandbox counts on: no stop landed on it, and no kill or reset took its state.
        if (!('status' in n) || n.status !== 200 || n.body !== String(i + 1))
          wrongly.push(`#${i}: the call behind the spinner got ${JSON.stringify(n)}`)
        if ('status' in s && (s.status !== 200 || s.body.trim() !== 'spun'))
          wrongly.push(`#${i}: the spinner answered ${JSON.stringify(s)}`)
        if ('error' in s && s.error !== 'CPU_LIMIT')
          wrongly.push(`#${i}: the spinner failed with ${s.error}: ${s.message}`)
        const started = lines.map((l) => /^start (\d+)$/.exec(l.message)).find(Boolean)
        if ('status' in s && !started) wrongly.push(`#${i}: the spinner answered, logging no start`)
        if (stopped > 0) {
          // It ends its loop at `until`, or at once if it started later (unknown: it never did).
          const ended = started ? Math.max(until, Number(started[1])) : Infinity
          const early = opts.deadline - ended
          if (early > EXIT_NOISE_MS)
            wrongly.push(`#${i}: stopped, though its loop ended ${early} ms before its deadline`)
          if ('status' in s) wrongly.push(`#${i}: stopped, yet it answered`)
          if (offset >= 0) stoppedOverrun++
        } else if ('status' in s) finishedInTime++
      }
      expect(wrongly).toEqual([])
      // The race was run: stops happened, and spinners finished just in time.
      expect(stoppedOverrun).toBeGreaterThan(0)
      expect(finishedInTime).toBeGreaterThan(0)
      expect(pool.stats()).toMatchObject({ kills: 0, crashes: 0 })
    },
    TEST_MS,
  )
})
