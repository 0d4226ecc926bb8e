import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../../host/paths.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, type TestHost } from '../helpers/host.js'
import { scaled } from '../helpers/time.js'
import { transpiledCache } from '../helpers/transpiled.js'

/**
 * A fresh component instance per request, as served (one instance put back to its state right
 * after instantiation once each request ends): nothing a request leaves reaches the next. The
 * same component with `isolation: "shared"` is the control: there the state does survive, so
 * each probe here is one that sees it when it is there.
 */
const state = readFileSync(join(packageRoot, 'wasm/fixtures/component-state.wasm'))

/** The fixture's answer without acts: a first request's counter, initial memory, no note. */
const FIRST = /^count=1 pages=(\d+) note=$/

describe('fresh component instances keep nothing between requests', () => {
  let dir: TempDir
  let h: TestHost
  let pages: number
  beforeAll(async () => {
    dir = await functionsDir({
      'state.wasm': state,
      'shared.wasm': state,
      'shared.json': JSON.stringify({ isolation: 'shared' }),
    })
    h = await startHost('real server', {
      dir: dir.path,
      pool: { graceMs: 100, drivers: { componentCacheDir: transpiledCache() } },
    })
    const first = await (await h.call('/state')).text()
    pages = Number(FIRST.exec(first)?.[1])
    expect(pages, first).toBeGreaterThan(0)
  }, scaled(60_000))
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })

  const fresh = () => `count=1 pages=${pages} note=`
  const text = async (path: string) => (await h.call(path)).text()

  it('answers the same counter and memory on every request', async () => {
    for (let i = 0; i < 3; i++) expect(await text('/state')).toBe(fresh())
    expect(await text('/state?note=kept')).toBe(`count=1 pages=${pages} note=kept`)
    expect(await text('/state')).toBe(fresh())
  })

  it('keeps state in a shared instance (the control)', async () => {
    const a = await text('/shared?note=kept')
    const b = await text('/shared')
    const count = Number(/count=(\d+)/.exec(a)?.[1])
    expect(b).toBe(`count=${count + 1} pages=${pages} note=kept`)
  })

  it('does not carry memory growth into the next request', async () => {
    const grown = await text('/state?grow')
    expect(Number(/pages=(\d+)/.exec(grown)?.[1])).toBeGreaterThan(pages)
    expect(await text('/state')).toBe(fresh())
  })

  it('answers correctly after a request that trapped', async () => {
    const res = await h.call('/state?trap&note=before-trap')
    expect(res.status).toBe(500)
    expect(((await res.json()) as { error: string }).error).toBe('GUEST_ERROR')
    expect(await text('/state')).toBe(fresh())
  })

  it('gives no request a resource handle an earlier one left open', async () => {
    const leaked = await text('/state?leak=SECRET-OF-A')
    const handle = /^leaked (\d+) /.exec(leaked)?.[1]
    expect(handle, leaked).toBeDefined()
    const probe = await h.call(`/state?probe=${handle}`)
    const answer = await probe.text()
    expect(answer).not.toContain('SECRET-OF-A')
    expect(probe.status).toBe(500)
    expect(await text('/state')).toBe(fresh())
    // The same probe reaches the handle a shared instance keeps.
    const kept = /^leaked (\d+) /.exec(await text('/shared?leak=SECRET-OF-B'))?.[1]
    expect(await text(`/shared?probe=${kept}`)).toContain('probed secret=SECRET-OF-B')
  })
})
