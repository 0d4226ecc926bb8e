import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../../host/paths.js'
import { NOT_OFFERED, runEncoding } from '../fixtures/wpt/_cases/encoding.js'
import { runFiles } from '../fixtures/wpt/_cases/files.js'
import { runHeaders } from '../fixtures/wpt/_cases/headers.js'
import { startHost, type TestHost } from '../helpers/host.js'

/** What crosses the wire: the same JSON round trip the guest's answer takes. */
const asJson = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>

describe("the guest's TextDecoder/TextEncoder and Headers agree with Node's on WPT's cases", () => {
  let t: TestHost
  let guest: { encoding: Record<string, unknown>; headers: Record<string, unknown> }
  beforeAll(async () => {
    t = await startHost('app.request', { dir: join(packageRoot, 'test/fixtures/wpt') })
    const res = await t.call('/web-apis')
    expect(res.status).toBe(200)
    guest = (await res.json()) as typeof guest
  })
  afterAll(async () => t?.[Symbol.asyncDispose]())

  const node = { encoding: asJson(runEncoding()), headers: asJson(runHeaders()) }

  for (const group of Object.keys(node.encoding).filter((k) => k !== 'notOffered'))
    it(`encoding: ${group}`, () => expect(guest.encoding[group]).toEqual(node.encoding[group]))

  it('encoding: the stateful multi-byte legacy encodings are refused with a RangeError', () => {
    expect(guest.encoding.notOffered).toEqual(NOT_OFFERED.map(() => ({ error: 'RangeError' })))
  })

  for (const group of Object.keys(node.headers))
    it(`headers: ${group}`, () => expect(guest.headers[group]).toEqual(node.headers[group]))
})

describe("the guest's Blob, File, FormData and compression streams agree with Node's", () => {
  let t: TestHost
  let guest: Record<string, unknown>
  let node: Record<string, unknown>
  beforeAll(async () => {
    t = await startHost('app.request', { dir: join(packageRoot, 'test/fixtures/wpt') })
    const res = await t.call('/files')
    expect(res.status).toBe(200)
    guest = (await res.json()) as typeof guest
    node = asJson(await runFiles())
  })
  afterAll(async () => t?.[Symbol.asyncDispose]())

  // WPT's decompression-corrupt-input expects a TypeError; Node rejects with a plain Error.
  it('decompressBad', () => expect(guest.decompressBad).toEqual({ error: 'TypeError' }))

  it('answers every case', () => {
    expect(Object.keys(guest)).toEqual(Object.keys(node))
    expect(node.compression).toMatchObject({ gzip: [true, expect.any(String)] })
  })

  for (const group of [
    'blob',
    'blobTypes',
    'slices',
    'blobBad',
    'blobStream',
    'blobUnicode',
    'file',
    'fileBad',
    'form',
    'formAfterDelete',
    'formBad',
    'multipartType',
    'multipartRoundTrip',
    'multipartUploadBytes',
    'multipartHandMade',
    'multipartBad',
    'urlencoded',
    'requestForm',
    'notAForm',
    'blobBody',
    'responseBlob',
    'compression',
    'decompressKnown',
    'compressionBadFormat',
    'compressionViaResponse',
  ])
    it(group, () => expect(guest[group]).toEqual(node[group]))
})
