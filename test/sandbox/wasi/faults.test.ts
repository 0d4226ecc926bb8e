import { describe, expect, it } from 'vitest'
import { invokeOptions, loadWasm, rejection, wasm } from '../../helpers/wasm.js'
import { invokeHttp } from '../../helpers/invoke.js'

const get = (path = '/fn') => new Request('http://h' + path)

describe('wasi driver: guest faults', () => {
  it('turns an unreachable trap into GUEST_ERROR with the wasm frames, and sends nothing it wrote', async () => {
    await using fn = await loadWasm(wasm('fixtures/trap'))
    const err = await rejection(invokeHttp(fn, get(), invokeOptions().opts))
    expect(err.code).toBe('GUEST_ERROR')
    expect(err.message).toMatch(/function fn trapped: unreachable/)
    expect(err.guestStack).toMatch(/wasm-function\[\d+\]/)
    expect(err.guestStack).not.toMatch(/node:|\.ts:/)
  })

  it('treats exit code 3 as a failure even after a complete response (it cannot be told from a truncated one)', async () => {
    await using fn = await loadWasm(wasm('fixtures/exit3'))
    const err = await rejection(invokeHttp(fn, get(), invokeOptions().opts))
    expect(err.code).toBe('GUEST_ERROR')
    expect(err.message).toBe('function fn exited with code 3')
  })

  it('fails an output flood at the 16 MiB stdout cap', async () => {
    await using fn = await loadWasm(wasm('fixtures/flood'))
    const err = await rejection(invokeHttp(fn, get(), invokeOptions().opts))
    expect(err.code).toBe('GUEST_BAD_RESPONSE')
    expect(err.message).toMatch(/more than 16777216 bytes to stdout/)
  })

  it('stops unbounded malloc at the cap with MEMORY_LIMIT, and the host keeps no grown memory', async () => {
    await using fn = await loadWasm(wasm('fixtures/malloc-bomb'), { memoryMb: 32 })
    for (let i = 0; i < 3; i++) {
      const { opts, lines } = invokeOptions()
      const err = await rejection(invokeHttp(fn, get(), opts))
      expect(err.code).toBe('MEMORY_LIMIT')
      expect(err.message).toMatch(/cap is 32 MiB\); use less or raise memoryMb/)
      expect(lines.map((l) => l.message)).toContain('malloc failed')
    }
    const arrayBuffers = process.memoryUsage().arrayBuffers
    expect(arrayBuffers).toBeLessThan(256 * 1024 * 1024)
  })

  it('lets a guest that handles a failed malloc answer normally', async () => {
    await using fn = await loadWasm(wasm('fixtures/malloc-graceful'), { memoryMb: 16 })
    const res = await invokeHttp(fn, get(), invokeOptions().opts)
    expect(await res.text()).toBe('malloc returned NULL\n')
  })

  it('turns unbounded recursion into GUEST_ERROR', async () => {
    await using fn = await loadWasm(wasm('fixtures/stack-overflow'))
    const err = await rejection(invokeHttp(fn, get(), invokeOptions().opts))
    expect(err.code).toBe('GUEST_ERROR')
    expect(err.message).toMatch(/trapped|overflowed its stack/)
  })

  it('keeps the guest inside /context: other paths fail in the guest, /context works', async () => {
    await using fn = await loadWasm(wasm('fixtures/sandbox-fs'))
    const res = await invokeHttp(fn, get('/fn?x=1'), invokeOptions().opts)
    const json = (await res.json()) as Record<string, unknown>
    expect(json).toMatchObject({
      etc_passwd: expect.stringMatching(/^(ENOENT|ENOTCAPABLE)$/),
      dotdot: expect.stringMatching(/^(ENOENT|ENOTCAPABLE)$/),
      relative: expect.stringMatching(/^(ENOENT|ENOTCAPABLE)$/),
      root_dir: expect.stringMatching(/^(ENOENT|ENOTCAPABLE)$/),
      write_back: 'written in the guest',
      context_entries: ['note.txt', 'request.json'],
    })
    expect(json.request_json_bytes).toBeGreaterThan(20)
  })

  it('sends stderr to the log line by line, up to the per-invocation cap, and still answers', async () => {
    await using fn = await loadWasm(wasm('fixtures/stderr'))
    const { opts, lines } = invokeOptions({}, { bytes: 64 * 1024, lines: 1_000 })
    const res = await invokeHttp(fn, get(), opts)
    expect(await res.text()).toBe('logged\n')
    const messages = lines.map((l) => l.message)
    expect(messages.slice(0, 2)).toEqual(['first line', 'second line for GET'])
    expect(messages.some((m) => /log cap reached \(65536 bytes/.test(m))).toBe(true)
    expect(messages.join('').length).toBeLessThan(70 * 1024)
  })

  it('throws on use after dispose', async () => {
    const fn = await loadWasm(wasm('examples/hello'))
    await fn[Symbol.asyncDispose]()
    await expect(invokeHttp(fn, get(), invokeOptions().opts)).rejects.toThrow(/disposed/)
  })

  it('reports a run that ends past its deadline as CPU_LIMIT', async () => {
    await using fn = await loadWasm(wasm('examples/hello'))
    const err = await rejection(
      invokeHttp(fn, get(), invokeOptions({ deadline: Date.now() - 1 }).opts),
    )
    expect(err.code).toBe('CPU_LIMIT')
  })
})
