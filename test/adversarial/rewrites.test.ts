import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SETTLE_MS } from '../../host/registry/pending.js'
import { eventually } from '../helpers/fsdir.js'
import { scaled } from '../helpers/time.js'
import { sleep } from '../pool/helpers.js'
import { errorAnswer, expectServes, handler, hostPerTest } from './host.js'

/*
 * Editors and deploy scripts rewrite files in place: truncate, then write. A function that serves
 * well keeps serving its previous version until the new one has loaded; a new version that still
 * fails once the change has settled is reported then.
 */

const WATCH_MS = scaled(5000)
const version = (n: number) => handler(`return new Response("v${n}")`)

describe('a function rewritten in place', () => {
  const start = hostPerTest()

  it('answers no 500 while the file is truncated and rewritten 40 times under load', async () => {
    const h = await start({ 'edit.js': version(0) }, { watch: true })
    await h.call('/edit')
    let stop = false
    const answers: string[] = []
    const clients = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const res = await h.call('/edit')
        answers.push(res.status === 200 ? await res.text() : `${res.status} ${await res.text()}`)
      }
    })
    const path = join(h.dir, 'edit.js')
    for (let n = 1; n <= 40; n++) {
      await writeFile(path, '')
      await sleep(15)
      await writeFile(path, version(n).slice(0, 20))
      await sleep(15)
      await writeFile(path, version(n))
      await sleep(60)
    }
    await eventually(async () => (await (await h.call('/edit')).text()) === 'v40', WATCH_MS)
    stop = true
    await Promise.all(clients)
    expect(answers.filter((a) => !/^v\d+$/.test(a))).toEqual([])
    expect(new Set(answers).size).toBeGreaterThan(5)
    await expectServes(h.call)
  })

  it('keeps serving the previous version through a change that fails, and reports it once settled', async () => {
    const h = await start({ 'syntax.js': version(1), 'throws.js': version(1) }, { watch: true })
    for (const path of ['/syntax', '/throws']) expect(await (await h.call(path)).text()).toBe('v1')
    const t0 = Date.now()
    await h.write('syntax.js', 'export default { fetch( }')
    await h.write('throws.js', `throw new Error('broken at load')\n${handler('')}`)
    // Within the settle window the previous version still answers.
    await sleep(SETTLE_MS / 3)
    for (const path of ['/syntax', '/throws']) expect(await (await h.call(path)).text()).toBe('v1')
    for (const path of ['/syntax', '/throws']) {
      await eventually(async () => (await h.call(path)).status === 500, WATCH_MS + SETTLE_MS)
      expect(await errorAnswer(h.call, path)).toMatchObject({
        status: 500,
        error: 'FUNCTION_LOAD_FAILED',
      })
    }
    expect(Date.now() - t0).toBeGreaterThanOrEqual(SETTLE_MS)
    await expectServes(h.call)
  })
})
