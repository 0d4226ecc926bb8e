import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { INVOCATION_LOG_CAP } from '../../host/observe/invocation-log.js'
import { packageRoot } from '../../host/paths.js'
import { poolDefaults } from '../../host/pool/index.js'
import { scaled } from '../helpers/time.js'
import { errorAnswer, expectServes, HELLO, hostPerTest } from './host.js'
import { MiB, peakGrowth } from './rss.js'

const GRACE_MS = poolDefaults().graceMs
const blank = () => readFile(join(packageRoot, 'wasm/fixtures/stderr-blank.wasm'))

describe('log floods', () => {
  const start = hostPerTest()

  it('caps a flood of empty stderr lines by lines: answers at once, logs at most the cap', async () => {
    const h = await start({ 'blank.wasm': await blank() })
    const t0 = Date.now()
    const res = await h.call('/blank')
    expect(await res.text()).toBe('done\n')
    // 16 MiB of newlines is 16 million zero-byte lines; only the cap's worth cross threads.
    expect(Date.now() - t0).toBeLessThan(scaled(3000))
    const guest = h.host.logs.filter((l) => l.fields.src === 'guest')
    expect(guest.length).toBeLessThanOrEqual(INVOCATION_LOG_CAP.lines)
    expect(h.host.logs.some((l) => l.level === 'warn' && /log cap reached/.test(l.message))).toBe(
      true,
    )
    await expectServes(h.call)
  })

  it('stops an endless flood of empty lines at its deadline, other functions served meanwhile', async () => {
    const h = await start(
      {
        'blank.wasm': await blank(),
        'blank.json': JSON.stringify({ timeoutMs: 1000 }),
        'other.js': HELLO,
      },
      { pool: { workers: 2 } },
    )
    const { result: answer, growth } = await peakGrowth(h, () =>
      errorAnswer(h.call, '/blank?forever=1'),
    )
    expect(answer).toMatchObject({ status: 504, error: 'CPU_LIMIT' })
    expect(answer.elapsedMs).toBeLessThan(scaled(1000 + GRACE_MS + 1500))
    expect(growth).toBeLessThan(256 * MiB)
    const guest = h.host.logs.filter((l) => l.fields.src === 'guest')
    expect(guest.length).toBeLessThanOrEqual(INVOCATION_LOG_CAP.lines)
    await expectServes(h.call)
  })

  it('a JS guest logging empty lines in a loop is held to the same caps', async () => {
    const h = await start({
      'noisy.js': `export default { fetch() { for (let i = 0; i < 100000; i++) console.log(''); return new Response('ok') } }`,
    })
    expect(await (await h.call('/noisy')).text()).toBe('ok')
    const guest = h.host.logs.filter((l) => l.fields.src === 'guest')
    expect(guest.length).toBeLessThanOrEqual(INVOCATION_LOG_CAP.lines)
    await expectServes(h.call)
  })
})
