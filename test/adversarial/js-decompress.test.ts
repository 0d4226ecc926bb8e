import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, type TestHost } from '../helpers/host.js'

const inflate = `export default {
  async fetch(request) {
    const stream = request.body.pipeThrough(new DecompressionStream('gzip'))
    try {
      return new Response(String((await new Response(stream).arrayBuffer()).byteLength))
    } catch (e) {
      return new Response(e.name + ': ' + e.message, { status: 422 })
    }
  },
}
export const config = { memoryMb: 32 }
`

describe('a decompression bomb', () => {
  let dir: TempDir
  let t: TestHost
  afterEach(async () => {
    await t?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })

  it("stops at the function's memory cap with a TypeError, and the function keeps serving", async () => {
    dir = await functionsDir({ 'inflate.js': inflate })
    t = await startHost('app.request', { dir: dir.path })
    const bomb = gzipSync(new Uint8Array(64 * 1024 * 1024))
    expect(bomb.length).toBeLessThan(1024 * 1024)
    const res = await t.call('/inflate', { method: 'POST', body: bomb })
    expect(res.status).toBe(422)
    expect(await res.text()).toMatch(/^TypeError: Decompression failed/)
    const small = await t.call('/inflate', { method: 'POST', body: gzipSync('hello') })
    expect(await small.text()).toBe('5')
  })
})
