import { describe, expect, it } from 'vitest'
import { errorAnswer, expectServes, handler, hostPerTest } from './host.js'
import { peakGrowth, RSS_BOUND } from './rss.js'

/*
 * What a guest does to its own realm never reaches the host's answer path (the prelude captured
 * the built-ins it uses before guest code ran), and the error class of a failure comes from the
 * engine's state (interrupted, memory refused at the cap), never from the value a guest throws.
 */

/** Each replaces built-ins the prelude uses on every answer, then answers normally. */
const TAMPERING: Record<string, string> = {
  stringify: 'JSON.stringify = () => { throw new Error("tampered") }',
  'stringify-undefined': 'JSON.stringify = () => undefined',
  parse: 'JSON.parse = () => ({ status: 999 })',
  keys: 'Object.keys = Object.entries = () => { throw new Error("tampered") }',
  'is-array': 'Array.isArray = () => { throw new Error("tampered") }',
  promise:
    'globalThis.Promise = function () { throw new Error("tampered") }; Promise.all = Promise.resolve = null',
  'from-char-code': 'String.fromCharCode = () => "tampered"',
}

describe('a guest tampering with its own built-ins, or faking a limit', () => {
  const start = hostPerTest()

  it('answers normally after the guest replaced the built-ins the prelude uses, request after request', async () => {
    const files: Record<string, string> = {}
    for (const [name, tamper] of Object.entries(TAMPERING)) {
      files[`${name}.js`] = handler(
        `${tamper}; return new Response("ok " + ${JSON.stringify(name)}, { headers: { "x-a": "1" } })`,
      )
      files[`${name}-event.js`] =
        `export function handle() { ${tamper}; return { statusCode: 201, headers: { 'x-a': '1' }, body: 'ok' } }`
    }
    const h = await start(files)
    for (const name of Object.keys(TAMPERING))
      for (let i = 0; i < 2; i++) {
        const fetchStyle = await h.call(`/${name}`)
        expect([fetchStyle.status, await fetchStyle.text(), fetchStyle.headers.get('x-a')]).toEqual(
          [200, `ok ${name}`, '1'],
        )
        const event = await h.call(`/${name}-event`)
        expect([event.status, await event.text()]).toEqual([201, 'ok'])
      }
    await expectServes(h.call)
  })

  it('answers 500 GUEST_ERROR, never INTERNAL_ERROR, when the guest broke a prototype method its answer needs', async () => {
    // Prototype methods are the guest's to break (the prelude captures statics and namespaces, not
    // every method): the failure is the guest's own, named as such, and the host logs no error.
    const broken: Record<string, string> = {
      push: 'Array.prototype.push = function () { throw new Error("tampered") }',
      'to-lower-case': 'String.prototype.toLowerCase = function () { throw new Error("tampered") }',
      'array-iterator':
        'Array.prototype[Symbol.iterator] = function () { throw new Error("tampered") }',
    }
    const files: Record<string, string> = {}
    for (const [name, tamper] of Object.entries(broken))
      files[`${name}.js`] = handler(
        `${tamper}; return new Response("ok", { headers: { "x-a": "1" } })`,
      )
    const h = await start(files)
    for (const name of Object.keys(broken))
      for (let i = 0; i < 2; i++)
        expect(await errorAnswer(h.call, `/${name}`)).toMatchObject({
          status: 500,
          error: 'GUEST_ERROR',
          message: 'Error: tampered',
        })
    expect(h.host.logs.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([])
    await expectServes(h.call)
  })

  it('reports 1e6 pending promises that exhaust memory as 500 MEMORY_LIMIT, then serves', async () => {
    const h = await start({
      'promises.js': handler(
        'const all = []; for (let i = 0; i < 1e6; i++) all.push(new Promise(() => {})); return new Response("held " + all.length)',
      ),
      'promises.json': JSON.stringify({ timeoutMs: 20_000, memoryMb: 32 }),
    })
    const { result, growth } = await peakGrowth(h, () => errorAnswer(h.call, '/promises'))
    expect(result).toMatchObject({ status: 500, error: 'MEMORY_LIMIT' })
    expect(growth).toBeLessThan(RSS_BOUND)
    await expectServes(h.call)
  })

  it('reports a thrown fake "out of memory" or "interrupted" as 500 GUEST_ERROR, not a limit', async () => {
    const h = await start({
      'object.js': handler("throw { name: 'InternalError', message: 'out of memory' }"),
      'error.js': handler(
        "const e = new Error('out of memory'); e.name = 'InternalError'; throw e",
      ),
      'interrupted.js': handler("throw { name: 'InternalError', message: 'interrupted' }"),
      'rejected.js': handler(
        "await null; throw Object.assign(new Error('out of memory'), { name: 'InternalError' })",
      ),
      'empty.js': handler("throw { name: '', message: '', stack: '' }"),
    })
    for (const path of ['/object', '/error', '/interrupted', '/rejected', '/empty']) {
      const answer = await errorAnswer(h.call, path)
      expect({ path, status: answer.status, error: answer.error }).toEqual({
        path,
        status: 500,
        error: 'GUEST_ERROR',
      })
    }
    expect((await errorAnswer(h.call, '/object')).message).toBe('InternalError: out of memory')
    await expectServes(h.call)
  })

  it('still reports a real memory bomb as MEMORY_LIMIT and a real loop as CPU_LIMIT', async () => {
    const h = await start({
      'bomb.js': handler('const all = []; for (;;) all.push("x".repeat(1 << 16) + all.length)'),
      'bomb.json': JSON.stringify({ timeoutMs: 10_000, memoryMb: 32 }),
      'loop.js': handler('for (;;) {}'),
      'loop.json': JSON.stringify({ timeoutMs: 300 }),
    })
    expect(await errorAnswer(h.call, '/bomb')).toMatchObject({ status: 500, error: 'MEMORY_LIMIT' })
    expect(await errorAnswer(h.call, '/loop')).toMatchObject({ status: 504, error: 'CPU_LIMIT' })
    await expectServes(h.call)
  })
})
