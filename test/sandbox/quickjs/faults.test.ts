import { afterEach, describe, expect, it } from 'vitest'
import { createLogger, invocationLog } from '../../../host/observe/log.js'
import { collectingLog, disposeAll, get, invokeOptions, loadJs } from './helpers.js'
import { invokeHttp } from '../../helpers/invoke.js'
import { scaled } from '../../helpers/time.js'

afterEach(disposeAll)

/** A counter kept in module state: it tells whether the sandbox survived or was rebuilt. */
const COUNTER = `let count = 0
  export default { async fetch(request) {
    const path = new URL(request.url).pathname
    count++
    if (path === '/loop') while (true) {}
    if (path === '/alloc') { const a = []; for (;;) a.push('x'.repeat(1e5) + a.length) }
    if (path === '/recurse') { const f = (n) => f(n + 1) + 1; f(0) }
    if (path === '/nest') { let a = []; for (let i = 0; i < 2e5; i++) a = [a]; JSON.stringify(a) }
    if (path === '/sleep') await new Promise((r) => setTimeout(r, 1000))
    return new Response(String(count))
  } }`

const text = async (p: Promise<Response>) => (await p).text()

describe('load failures: FUNCTION_LOAD_FAILED with the reason', () => {
  it('syntax error, with line and column', async () => {
    await expect(loadJs('export default {\n  fetch() { return 1 +; }\n}')).rejects.toMatchObject({
      code: 'FUNCTION_LOAD_FAILED',
      message: expect.stringMatching(
        /^fn\.js failed to load: SyntaxError: .* \(line 2, column \d+\)$/,
      ),
    })
  })

  it('top-level throw, also after a top-level await', async () => {
    await expect(loadJs(`throw new Error('bad init')`)).rejects.toMatchObject({
      code: 'FUNCTION_LOAD_FAILED',
      message: 'fn.js failed to load: Error: bad init',
    })
    await expect(loadJs(`await null; throw new RangeError('later')`)).rejects.toMatchObject({
      message: 'fn.js failed to load: RangeError: later',
    })
  })

  it('no handler: says which exports were expected and which exist', async () => {
    await expect(loadJs(`export const a = 1; export function b() {}`)).rejects.toMatchObject({
      code: 'FUNCTION_LOAD_FAILED',
      message: expect.stringMatching(
        /expected .*fetch.*handle.*module\.exports = async \(req, res\).*; the module exports a, b$/,
      ),
    })
  })

  it('an import or require left in a bundle says why it cannot load', async () => {
    await expect(loadJs(`import x from 'lodash'\nexport default x`)).rejects.toMatchObject({
      message: expect.stringContaining("cannot import 'lodash'"),
    })
    await expect(
      loadJs(`const fs = require('fs')\nmodule.exports = {}`, { file: '/f/r.cjs' }),
    ).rejects.toMatchObject({
      message: expect.stringContaining(
        "require('fs') is not available: fnhost bundles the imports and require() calls it can resolve",
      ),
    })
  })

  it('a memory cap below the engine minimum', async () => {
    await expect(loadJs(`export default {}`, { config: { memoryMb: 8 } })).rejects.toMatchObject({
      code: 'FUNCTION_LOAD_FAILED',
      message: expect.stringContaining('at least 16'),
    })
  })
})

describe('guest failures', () => {
  it('a throw is GUEST_ERROR with the guest message and guest stack only', async () => {
    const fn = await loadJs(
      `function inner() { throw new TypeError('nope') }\nexport default { fetch() { inner() } }`,
    )
    const err = await invokeHttp(fn, get(), invokeOptions()).catch((e) => e)
    expect(err).toMatchObject({ code: 'GUEST_ERROR', status: 500, message: 'TypeError: nope' })
    expect(err.guestStack).toMatch(/^\s+at inner \(fn\.js:1:\d+\)\n\s+at fetch \(fn\.js:2:\d+\)$/)
  })

  it('a thrown non-Error and a rejected promise are GUEST_ERROR too', async () => {
    const str = await loadJs(`export default { fetch() { throw 'just a string' } }`)
    const rejected = await loadJs(
      `export default { async fetch() { await null; throw { code: 7 } } }`,
    )
    await expect(invokeHttp(str, get(), invokeOptions())).rejects.toMatchObject({
      code: 'GUEST_ERROR',
      message: 'Uncaught just a string',
    })
    await expect(invokeHttp(rejected, get(), invokeOptions())).rejects.toMatchObject({
      code: 'GUEST_ERROR',
    })
  })

  it('fetch style returning a non-Response, or Response.error(), is GUEST_BAD_RESPONSE', async () => {
    for (const value of ["'text'", '{ status: 200 }', 'undefined', 'Response.error()']) {
      const fn = await loadJs(`export default { fetch: () => ${value} }`)
      await expect(invokeHttp(fn, get(), invokeOptions())).rejects.toMatchObject({
        code: 'GUEST_BAD_RESPONSE',
        status: 502,
      })
    }
  })

  it('event style returning a malformed object is GUEST_BAD_RESPONSE', async () => {
    const malformed = [
      "{ statusCode: 'abc' }",
      '{ statusCode: 99 }',
      '{ statusCode: 200, headers: [1] }',
      "{ statusCode: 200, headers: { 'x-a': { no: 1 } } }",
      '{ statusCode: 200, body: 42 }',
      "{ statusCode: 200, body: '@@@', isBase64Encoded: true }",
      "{ statusCode: 204, body: 'not allowed' }",
      "{ statusCode: 200, headers: { 'bad name': 'v' } }",
      '10n',
    ]
    for (const value of malformed) {
      const fn = await loadJs(`export const handle = () => (${value})`)
      await expect(invokeHttp(fn, get(), invokeOptions()), value).rejects.toMatchObject({
        code: 'GUEST_BAD_RESPONSE',
      })
    }
  })

  it('open-runtimes handler that never calls res.send is GUEST_BAD_RESPONSE', async () => {
    const fn = await loadJs(`module.exports = async (req, res) => 'forgot'`, { file: '/f/o.cjs' })
    await expect(invokeHttp(fn, get(), invokeOptions())).rejects.toMatchObject({
      code: 'GUEST_BAD_RESPONSE',
    })
  })

  it('a promise nothing can settle fails at once instead of waiting for the deadline', async () => {
    const fn = await loadJs(`export default { fetch: () => new Promise(() => {}) }`)
    const started = Date.now()
    await expect(invokeHttp(fn, get(), invokeOptions())).rejects.toMatchObject({
      code: 'GUEST_ERROR',
      message: expect.stringContaining('never settles'),
    })
    expect(Date.now() - started).toBeLessThan(scaled(1000))
  })
})

describe('limits', () => {
  it('while(true){} is CPU_LIMIT shortly after the deadline, and the next request succeeds', async () => {
    const fn = await loadJs(COUNTER)
    const deadline = Date.now() + 100
    await expect(invokeHttp(fn, get('/loop'), invokeOptions({ deadline }))).rejects.toMatchObject({
      code: 'CPU_LIMIT',
      status: 504,
    })
    expect(Date.now() - deadline).toBeLessThan(scaled(50))
    expect(await text(invokeHttp(fn, get('/ok'), invokeOptions()))).toBe('1')
  })

  it('waiting past the deadline is CPU_LIMIT too, without resetting the sandbox', async () => {
    const fn = await loadJs(COUNTER)
    await expect(
      invokeHttp(fn, get('/sleep'), invokeOptions({ deadline: Date.now() + 50 })),
    ).rejects.toMatchObject({ code: 'CPU_LIMIT' })
    expect(await text(invokeHttp(fn, get('/ok'), invokeOptions()))).toBe('2')
  })

  it('an allocation loop is MEMORY_LIMIT, and the next request succeeds in a fresh sandbox', async () => {
    const fn = await loadJs(COUNTER, { config: { memoryMb: 32 } })
    await expect(invokeHttp(fn, get('/alloc'), invokeOptions())).rejects.toMatchObject({
      code: 'MEMORY_LIMIT',
      status: 500,
    })
    expect(await text(invokeHttp(fn, get('/ok'), invokeOptions()))).toBe('1')
  })

  it('deep recursion is a clean GUEST_ERROR (stack overflow); the sandbox lives on', async () => {
    const fn = await loadJs(COUNTER)
    const err = await invokeHttp(fn, get('/recurse'), invokeOptions()).catch((e) => e)
    expect(err).toMatchObject({ code: 'GUEST_ERROR', message: 'InternalError: stack overflow' })
    expect(err.guestStack.split('\n').length).toBeLessThanOrEqual(41)
    expect(await text(invokeHttp(fn, get('/ok'), invokeOptions()))).toBe('2')
  })

  it('native recursion that exhausts the host stack is GUEST_ERROR, and the sandbox is rebuilt', async () => {
    const fn = await loadJs(COUNTER)
    await expect(invokeHttp(fn, get('/nest'), invokeOptions())).rejects.toMatchObject({
      code: 'GUEST_ERROR',
      message: expect.stringContaining('stack overflow'),
    })
    expect(await text(invokeHttp(fn, get('/ok'), invokeOptions()))).toBe('1')
  })

  it('a runaway request resets a shared sandbox and fails the requests sharing it, saying why', async () => {
    const fn = await loadJs(COUNTER)
    const waiting = invokeHttp(fn, get('/sleep'), invokeOptions())
    await new Promise((r) => setTimeout(r, 20))
    await expect(
      invokeHttp(fn, get('/loop'), invokeOptions({ deadline: Date.now() + 50 })),
    ).rejects.toMatchObject({ code: 'CPU_LIMIT' })
    await expect(waiting).rejects.toMatchObject({
      code: 'CPU_LIMIT',
      message: expect.stringContaining('another request to this function failed'),
    })
    expect(await text(invokeHttp(fn, get('/ok'), invokeOptions()))).toBe('1')
  })

  it('an aborted request rejects promptly', async () => {
    const fn = await loadJs(COUNTER)
    const controller = new AbortController()
    const pending = invokeHttp(fn, get('/sleep'), invokeOptions({ signal: controller.signal }))
    setTimeout(() => controller.abort(), 20)
    const started = Date.now()
    await expect(pending).rejects.toMatchObject({
      code: 'INTERNAL_ERROR',
      message: expect.stringContaining('cancelled'),
    })
    expect(Date.now() - started).toBeLessThan(scaled(500))
  })
})

describe('isolation', () => {
  it('shared keeps module state across requests and lets requests interleave', async () => {
    const fn = await loadJs(COUNTER)
    const slow = invokeHttp(fn, get('/sleep'), invokeOptions())
    expect(await text(invokeHttp(fn, get('/ok'), invokeOptions()))).toBe('2')
    expect(await text(slow)).toBe('2')
    expect(await text(invokeHttp(fn, get('/ok'), invokeOptions()))).toBe('3')
  })

  it('request gives every request a fresh module', async () => {
    const fn = await loadJs(COUNTER, { config: { isolation: 'request' } })
    for (let i = 0; i < 3; i++)
      expect(await text(invokeHttp(fn, get('/ok'), invokeOptions()))).toBe('1')
  })
})

describe('log cap', () => {
  it('the host cap drops output past it, with one notice, and the guest stops formatting', async () => {
    const lines: string[] = []
    const logger = createLogger((l) => lines.push(`${l.level} ${l.message}`))
    const fn = await loadJs(
      `export default { fetch() { for (let i = 0; i < 10000; i++) console.log('line ' + i + ' ' + 'x'.repeat(50)); return new Response('done') } }`,
    )
    const res = await invokeHttp(
      fn,
      get(),
      invokeOptions({ log: invocationLog(logger, { fn: 'fn' }, { bytes: 4096, lines: 1_000 }) }),
    )
    expect(await res.text()).toBe('done')
    expect(lines.filter((l) => l.startsWith('warn')).length).toBe(1)
    expect(lines.length).toBeLessThan(80)
  })
})

describe('lifetime', () => {
  it('use after dispose throws', async () => {
    const fn = await loadJs(COUNTER)
    await fn[Symbol.asyncDispose]()
    await expect(invokeHttp(fn, get(), invokeOptions())).rejects.toThrow(/disposed/)
  })

  it('dispose waits for requests in flight', async () => {
    const fn = await loadJs(COUNTER)
    const pending = invokeHttp(fn, get('/sleep'), invokeOptions())
    await new Promise((r) => setTimeout(r, 10))
    await fn[Symbol.asyncDispose]()
    expect(await text(pending)).toBe('1')
  })

  it('logs go to the request that caused them', async () => {
    const fn = await loadJs(`export default { async fetch(request) {
      const tag = new URL(request.url).pathname
      await new Promise((r) => setTimeout(r, tag === '/a' ? 30 : 5))
      console.log(tag)
      return new Response(tag)
    } }`)
    const a = collectingLog()
    const b = collectingLog()
    await Promise.all([
      invokeHttp(fn, get('/a'), invokeOptions({ log: a })),
      invokeHttp(fn, get('/b'), invokeOptions({ log: b })),
    ])
    expect([a.text(), b.text()]).toEqual(['/a', '/b'])
  })
})
