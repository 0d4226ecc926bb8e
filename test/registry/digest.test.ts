import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { digestBytes } from '../../host/bytes.js'

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

describe('digestBytes', () => {
  it('gives the SHA-256 of a small file (hashed in place) and of a large one (off the thread) alike', async () => {
    const small = new TextEncoder().encode('export default { fetch: () => new Response("hi") }')
    const large = new Uint8Array(1024 * 1024).map((_, i) => (i * 7919) & 0xff)
    expect(hex(await digestBytes(small))).toBe(sha256(small))
    expect(hex(await digestBytes(large))).toBe(sha256(large))
    expect(hex(await digestBytes(new Uint8Array(0)))).toBe(sha256(new Uint8Array(0)))
  })
})
