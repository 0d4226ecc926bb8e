import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'

describe('fnhost invoke', () => {
  let dir: TempDir
  afterEach(async () => dir?.[Symbol.asyncDispose]())

  it('runs a function once and prints its response', async () => {
    dir = await functionsDir({
      'users/[id].js': `export default { async fetch(req, env, ctx) {
        return Response.json({ method: req.method, path: new URL(req.url).pathname, h: req.headers.get('x-a'), body: await req.text() }, { status: 201 })
      } }`,
    })
    const file = join(dir.path, 'users/[id].js')
    const plain = await runCli([
      'invoke',
      file,
      '-d',
      'payload',
      '-H',
      'x-a: 1',
      '--path',
      '/users/7',
    ])
    expect(plain.code).toBe(0)
    expect(JSON.parse(plain.stdout)).toEqual({
      method: 'POST',
      path: '/users/7',
      h: '1',
      body: 'payload',
    })
    const head = await runCli(['invoke', file, '-X', 'PUT', '-i'])
    expect(head.code).toBe(0)
    expect(head.stdout).toMatch(/^HTTP 201/)
    expect(head.stdout).toMatch(/content-type: application\/json/)
  })

  it('goes through the same dispatch as serve: private 401, wrong method 405, oversized 413', async () => {
    dir = await functionsDir({
      'guarded.js': `export const config = { private: true, methods: ['GET'], maxBodyBytes: 4 }
export default { fetch: async (req) => new Response(req.method + ' ' + (await req.text()).length) }`,
      'open.js': `export const config = { methods: ['GET', 'POST'], maxBodyBytes: 4 }
export default { fetch: async (req) => new Response(req.method + ' ' + (await req.text()).length) }`,
    })
    const body = (out: string) => JSON.parse(out) as { code: number; error: string }
    const guarded = await runCli([
      'invoke',
      join(dir.path, 'guarded.js'),
      '-X',
      'POST',
      '-d',
      'hello world',
    ])
    expect(guarded.code).toBe(1)
    expect(body(guarded.stdout)).toMatchObject({ code: 401, error: 'UNAUTHORIZED' })
    const open = join(dir.path, 'open.js')
    const wrongMethod = await runCli(['invoke', open, '-X', 'DELETE', '-i'])
    expect(wrongMethod.code).toBe(1)
    expect(wrongMethod.stdout).toMatch(/^HTTP 405/)
    expect(wrongMethod.stdout).toMatch(/allow: GET, POST, HEAD/)
    const big = await runCli(['invoke', open, '-d', 'hello world'])
    expect(big.code).toBe(1)
    expect(body(big.stdout)).toMatchObject({ code: 413, error: 'BODY_TOO_LARGE' })
    const fits = await runCli(['invoke', open, '-d', 'hi'])
    expect(fits.code).toBe(0)
    expect(fits.stdout).toBe('POST 2')
  })

  it('exits 1 when the function fails and 2 on bad usage', async () => {
    dir = await functionsDir({
      'throws.js': `export default { fetch() { throw new Error('boom') } }`,
      'broken.js': 'export default {',
    })
    const failed = await runCli(['invoke', join(dir.path, 'throws.js')])
    expect(failed.code).toBe(1)
    expect(JSON.parse(failed.stdout)).toMatchObject({ code: 500, error: 'GUEST_ERROR' })
    expect(JSON.parse(failed.stdout).message).toMatch(/boom/)
    const broken = await runCli(['invoke', join(dir.path, 'broken.js')])
    expect(broken.code).toBe(1)
    expect(broken.stderr).toMatch(/failed to load/)
    expect((await runCli(['invoke'])).code).toBe(2)
    expect((await runCli(['invoke', 'a.js', '-H', 'nocolon'])).code).toBe(2)
  })
})
