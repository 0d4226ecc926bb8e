import { truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_FUNCTION_BYTES, scanFile } from '../../host/registry/scan.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { inspectHere } from '../helpers/inspect.js'

describe('scanFile', () => {
  let dir: TempDir
  afterEach(async () => dir?.[Symbol.asyncDispose]())

  it('builds a spec with the sidecar route and config', async () => {
    dir = await functionsDir({
      'a.js': `export default { fetch: () => new Response('a') }`,
      'a.json': JSON.stringify({ route: '/custom/:id', timeoutMs: 50 }),
    })
    const outcome = await scanFile(dir.path, join(dir.path, 'a.js'), inspectHere)
    expect(outcome).toMatchObject({
      spec: { name: 'a', kind: 'quickjs', routes: ['/custom/:id'], config: { timeoutMs: 50 } },
    })
  })

  it('keeps the sidecar route for a function that fails to load', async () => {
    dir = await functionsDir({
      'broken.js': 'export default {',
      'broken.json': JSON.stringify({ route: '/elsewhere' }),
    })
    const outcome = await scanFile(dir.path, join(dir.path, 'broken.js'), inspectHere)
    expect(outcome).toMatchObject({ failure: { name: 'broken', routes: ['/elsewhere'] } })
  })

  it('refuses a file over the size limit by its size, before reading it', async () => {
    dir = await functionsDir({ 'huge.wasm': '' })
    await truncate(join(dir.path, 'huge.wasm'), MAX_FUNCTION_BYTES + 1)
    const outcome = await scanFile(dir.path, join(dir.path, 'huge.wasm'), inspectHere)
    expect(outcome).toMatchObject({
      failure: {
        routes: ['/huge'],
        reason: `huge.wasm is ${MAX_FUNCTION_BYTES + 1} bytes; the limit is ${MAX_FUNCTION_BYTES}`,
      },
    })
  })
})
