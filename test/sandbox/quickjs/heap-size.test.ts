import { describe, expect, it } from 'vitest'
import { createQuickjsDriver } from '../../../host/sandbox/quickjs/driver.js'
import { heapProbe } from '../../../host/sandbox/quickjs/heap-size.js'
import { invokeHttp } from '../../helpers/invoke.js'
import { specFor } from '../../helpers/spec.js'
import { invokeOptions } from './helpers.js'

const MiB = 1024 * 1024

describe('what a QuickJS function is charged for its memory', () => {
  it('finds the allocator heap end once per thread', async () => {
    const probe = await heapProbe()
    expect(probe).toBeDefined()
    // The heap starts past the engine's static data and stack, inside its 16 MiB memory.
    expect(probe!.base).toBeGreaterThan(probe!.at)
    expect(probe!.base).toBeLessThan(16 * MiB)
    expect(probe!.staticBytes).toBeGreaterThan(0)
    expect(probe!.staticBytes).toBeLessThan(probe!.base)
  })

  it('counts the heap in use, not the engine memory, and follows what the guest keeps', async () => {
    const fn = await createQuickjsDriver().load(
      specFor('/functions/keep.js', {
        source: `const kept = []
          export default { fetch() { kept.push(new Uint8Array(8 * 1024 * 1024)); return new Response(String(kept.length)) } }`,
        config: { memoryMb: 64 },
      }),
    )
    try {
      const idle = fn.memoryBytes!()
      expect(idle).toBeGreaterThan(64 * 1024)
      expect(idle).toBeLessThan(2 * MiB)
      const call = async () =>
        (await invokeHttp(fn, new Request('http://fn/'), invokeOptions())).text()
      expect(await call()).toBe('1')
      expect(await call()).toBe('2')
      const grown = fn.memoryBytes!()
      expect(grown - idle).toBeGreaterThanOrEqual(16 * MiB)
      expect(grown - idle).toBeLessThan(18 * MiB)
    } finally {
      await fn[Symbol.asyncDispose]()
    }
    expect(fn.memoryBytes!()).toBe(0)
  })
})
