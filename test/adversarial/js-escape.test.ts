import { describe, expect, it } from 'vitest'
import { expectServes, handler, hostPerTest } from './host.js'

/** Names that would mean a host (Node) object reached the guest. */
const HOST_NAMES = [
  'require',
  'module',
  'exports',
  'Buffer',
  'global',
  '__dirname',
  '__filename',
  'setImmediate',
  'WebAssembly',
  'Deno',
  'Bun',
]

const PROBE = handler(`
  const globals = [
    Function('return this')(),
    (() => {}).constructor.constructor('return this')(),
    ({}).constructor.constructor('return globalThis')(),
    console.log.constructor.constructor('return this')(),
    Response.constructor.constructor('return this')(),
    fetch.constructor.constructor('return this')(),
  ]
  const g = globals[0]
  const names = new Set()
  for (let o = g; o; o = Object.getPrototypeOf(o)) for (const n of Object.getOwnPropertyNames(o)) names.add(n)
  return Response.json({
    sameGlobal: globals.every((x) => x === globalThis),
    names: [...names],
    processKeys: Object.keys(g.process),
    env: g.process.env,
    processExit: typeof g.process.exit,
    processBinding: typeof g.process.binding,
  })
`)

describe('a guest probing for host objects', () => {
  const start = hostPerTest()

  it('finds only its own global through Function and constructor.constructor', async () => {
    const h = await start({
      'probe.js': PROBE,
      'probe.json': JSON.stringify({ env: { ONLY: 'this' } }),
    })
    const res = await h.call('/probe')
    expect(res.status).toBe(200)
    const seen = (await res.json()) as {
      sameGlobal: boolean
      names: string[]
      processKeys: string[]
      env: Record<string, string>
      processExit: string
      processBinding: string
    }
    expect(seen.sameGlobal).toBe(true)
    expect(seen.names.filter((n) => HOST_NAMES.includes(n))).toEqual([])
    expect(seen.processKeys).toEqual(['env'])
    expect(seen.env).toEqual({ ONLY: 'this' })
    expect([seen.processExit, seen.processBinding]).toEqual(['undefined', 'undefined'])
    await expectServes(h.call)
  })
})
