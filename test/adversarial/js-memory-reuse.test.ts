import { describe, expect, it } from 'vitest'
import { createQuickjsDriver } from '../../host/sandbox/quickjs/driver.js'
import { acquireQuickJSInstance, releaseQuickJSInstance } from '../../host/sandbox/quickjs/wasm.js'
import { specFor } from '../helpers/spec.js'
import { invokeOptions } from '../sandbox/quickjs/helpers.js'
import { expectServes, handler, hostPerTest } from './host.js'
import { invokeHttp } from '../helpers/invoke.js'

/*
 * A QuickJS engine instance freed by one function keeps that function's bytes in its memory (the
 * allocator does not clear what it frees). Only the same function version gets such an instance
 * back; any other function gets a fresh engine over zero-filled memory.
 */

const SECRET = 'SECRET-of-function-a-7f3e'
const MEMORY_MB = 128

/** Function A holds its secret in a string, once per request, then answers. */
const A = handler(
  `globalThis.kept = ${JSON.stringify(SECRET)}.repeat(1000); return new Response('a')`,
)

function contains(memory: WebAssembly.Memory, text: string): boolean {
  return Buffer.from(memory.buffer).includes(Buffer.from(text, 'latin1'))
}

/** Runs A once with a fresh sandbox per request and frees it: its engine instance goes back to the pool. */
async function runAndFree(name: string): Promise<string> {
  const spec = specFor(`/functions/${name}.js`, {
    source: A,
    config: { isolation: 'request', memoryMb: MEMORY_MB },
  })
  const fn = await createQuickjsDriver().load(spec)
  const res = await invokeHttp(fn, new Request('http://fn/a'), invokeOptions())
  expect(await res.text()).toBe('a')
  await fn[Symbol.asyncDispose]()
  return `${spec.name}@${spec.version}`
}

describe('QuickJS memory handed from one function to another', () => {
  // First in the file: the pool of zeroed memories is empty, so the next acquire takes this one.
  it('a freed scan-time instance is zeroed on every page, those its engine never touched too', async () => {
    const instance = await acquireQuickJSInstance(MEMORY_MB)
    const memory = instance.memory
    const bytes = Buffer.from(memory.buffer)
    const secret = Buffer.from(SECRET, 'latin1')
    // The last bytes, a page boundary crossed, and a page the engine's start leaves untouched.
    const PAGE = 65536
    for (const at of [bytes.length - secret.length, PAGE * 100 - 5, PAGE * 200 + 1])
      secret.copy(bytes, at)
    releaseQuickJSInstance(MEMORY_MB, instance)
    const next = await acquireQuickJSInstance(MEMORY_MB, 'b@0123456789abcdef')
    try {
      expect(next.memory).toBe(memory)
      expect(contains(next.memory, SECRET)).toBe(false)
    } finally {
      releaseQuickJSInstance(MEMORY_MB, next, 'b@0123456789abcdef')
    }
  })

  it('another function, or scan-time code, gets a fresh engine over zeroed memory, never A bytes', async () => {
    const owner = await runAndFree('a')
    for (const other of ['b@0123456789abcdef', undefined]) {
      const instance = await acquireQuickJSInstance(MEMORY_MB, other)
      try {
        expect(contains(instance.memory, SECRET)).toBe(false)
      } finally {
        releaseQuickJSInstance(MEMORY_MB, instance, other)
      }
    }
    // The check can fail: A's own next sandbox reuses A's instance, whose freed memory holds the secret.
    const own = await acquireQuickJSInstance(MEMORY_MB, owner)
    expect(contains(own.memory, SECRET)).toBe(true)
  })

  it('an instance evicted from the idle pool is zeroed before any other function gets its memory', async () => {
    await runAndFree('a')
    // Enough other owners to push A's instance out of the idle pool.
    for (let i = 0; i < 12; i++) await runAndFree(`filler${i}`)
    for (let i = 0; i < 6; i++) {
      const instance = await acquireQuickJSInstance(MEMORY_MB, `other${i}@x`)
      expect(contains(instance.memory, SECRET)).toBe(false)
    }
  })

  describe('through the host', () => {
    const start = hostPerTest()
    it('serves A, then B with the same memory cap: the buffers B allocates are all zero', async () => {
      const h = await start({
        'a.js': A,
        'a.json': JSON.stringify({ isolation: 'request' }),
        // B looks where a guest could see stale bytes: fresh allocations must be all zero.
        'b.js': handler(
          'const stale = [new Uint8Array(new ArrayBuffer(1 << 20)), new Uint8Array(1 << 20)].some((b) => b.some((x) => x !== 0)); return new Response(String(stale))',
        ),
        'b.json': JSON.stringify({ isolation: 'request' }),
      })
      for (let i = 0; i < 3; i++) expect(await (await h.call('/a')).text()).toBe('a')
      expect(await (await h.call('/b')).text()).toBe('false')
      await expectServes(h.call)
    })
  })
})
