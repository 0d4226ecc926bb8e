import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { eventually, functionsDir, type TempDir } from '../helpers/fsdir.js'
import { startHost, type TestHost } from '../helpers/host.js'
import { scaled } from '../helpers/time.js'

/** How long the guest would wait if nothing stopped it. */
const GUEST_WAIT_MS = 8000
/** When the client gives up. */
const CLIENT_ABORT_MS = 300
/** The cancellation reaches the guest's event loop well before its own timer ends. */
const CANCEL_WITHIN_MS = scaled(3000)

const SLOW = `export default {
  async fetch() {
    await new Promise((r) => setTimeout(r, ${GUEST_WAIT_MS}))
    return new Response('late')
  },
}
`

describe('a client that goes away over a real socket', () => {
  let dir: TempDir | undefined
  let h: TestHost | undefined
  afterEach(async () => {
    await h?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })

  it('cancels its running invocation: logged as an abort, not an error, and the worker is free', async () => {
    dir = await functionsDir({
      'slow.js': SLOW,
      'slow.json': JSON.stringify({ timeoutMs: 20_000 }),
      'fast.js': `export default { fetch: () => new Response('fast') }`,
    })
    h = await startHost('real server', { dir: dir.path })
    expect(await (await h.call('/fast')).text()).toBe('fast')
    const ctrl = new AbortController()
    const started = Date.now()
    const pending = h.call('/slow', { signal: ctrl.signal }).catch((e: Error) => e)
    setTimeout(() => ctrl.abort(), CLIENT_ABORT_MS)
    expect(await pending).toBeInstanceOf(Error)
    const host = h
    await eventually(
      async () => host.logs.some((l) => l.message === 'GET /slow aborted by the client'),
      CANCEL_WITHIN_MS,
    )
    expect(Date.now() - started).toBeLessThan(GUEST_WAIT_MS)
    expect(h.logs.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([])
    // One worker: it is free again long before the guest's timer would have fired.
    expect(await (await h.call('/fast')).text()).toBe('fast')
    expect(Date.now() - started).toBeLessThan(GUEST_WAIT_MS)
  })
})

/** One raw keep-alive connection: what it sends, and what it has received once `seen` holds. */
function rawConnection(port: number): Promise<{
  socket: Socket
  send(text: string): void
  received(seen: (text: string) => boolean): Promise<string>
}> {
  return new Promise((resolve, reject) => {
    let text = ''
    const socket = connect(port, '127.0.0.1', () =>
      resolve({
        socket,
        send: (t) => void socket.write(t),
        received: (seen) => eventually(async () => seen(text), CANCEL_WITHIN_MS).then(() => text),
      }),
    )
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => (text += d))
    socket.once('error', reject)
  })
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`

describe('the requests of one keep-alive connection', () => {
  let dir: TempDir | undefined
  let h: TestHost | undefined
  afterEach(async () => {
    await h?.[Symbol.asyncDispose]()
    await dir?.[Symbol.asyncDispose]()
  })

  async function start(): Promise<number> {
    dir = await functionsDir({
      'slow.js': SLOW,
      'slow.json': JSON.stringify({ timeoutMs: 20_000 }),
      'fast.js': `export default { fetch: (req) => new Response('fast ' + new URL(req.url).search) }`,
    })
    h = await startHost('real server', { dir: dir.path })
    return h.port as number
  }

  const logs = () => (h as TestHost).logs
  const aborts = () => logs().filter((l) => l.message.includes('aborted by the client'))

  it('a later request is cancelled when the connection closes, earlier answered ones are not', async () => {
    const conn = await rawConnection(await start())
    conn.send(get('/fast?1'))
    expect(await conn.received((t) => t.includes('fast ?1'))).toMatch(/^HTTP\/1\.1 200 /)
    const started = Date.now()
    conn.send(get('/slow'))
    await new Promise((r) => setTimeout(r, CLIENT_ABORT_MS))
    conn.socket.destroy()
    await eventually(async () => aborts().length > 0, CANCEL_WITHIN_MS)
    expect(aborts().map((l) => l.message)).toEqual(['GET /slow aborted by the client'])
    expect(Date.now() - started).toBeLessThan(GUEST_WAIT_MS)
  })

  it('pipelined requests are all answered, and closing after them aborts nothing', async () => {
    const conn = await rawConnection(await start())
    conn.send(get('/fast?1') + get('/fast?2') + get('/fast?3'))
    const text = await conn.received((t) => t.includes('fast ?3'))
    expect(text.match(/fast \?\d/g)).toEqual(['fast ?1', 'fast ?2', 'fast ?3'])
    conn.socket.destroy()
    // Another connection's answer: the host has handled the first connection's close by then.
    const other = await rawConnection((h as TestHost).port as number)
    other.send(get('/fast?4'))
    await other.received((t) => t.includes('fast ?4'))
    other.socket.destroy()
    expect(aborts()).toEqual([])
    expect(logs().filter((l) => l.level === 'error')).toEqual([])
  })
})
