import { execFileSync } from 'node:child_process'
import { mkdir, rename, symlink, truncate, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_SIDECAR_BYTES } from '../../host/registry/scan.js'
import { eventually, functionsDir, type TempDir } from '../helpers/fsdir.js'
import { scaled } from '../helpers/time.js'
import { errorAnswer, expectServes, handler, hostPerTest, type AdversarialOptions } from './host.js'
import { MiB, peakGrowth } from './rss.js'

/*
 * What a hostile functions folder holds besides source files: FIFOs, sockets, links to anywhere on
 * the host, huge sparse sidecars. The registry reads only regular files, never follows a link, and
 * tells clients what is wrong without quoting a file or an absolute host path.
 */

/** A host start (the scan of a small folder) takes well under this; a blocked scan never ends. */
const START_WITHIN_MS = scaled(5000)
/** Time for the watcher to see a change. */
const WATCH_MS = scaled(5000)
/** A refused file may cost the process this much, at most: it is never read. */
const REFUSED_RSS_MARGIN = 64 * MiB
const SECRET = 'SECRET_TOK_5f1c'

const FN = handler('return new Response("fn")')

let outside: TempDir | undefined
const servers: Server[] = []
afterEach(async () => {
  await outside?.[Symbol.asyncDispose]()
  outside = undefined
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
})

/** A folder outside the functions folder: a secret, a config holding it, a function and a folder of one. */
async function outsideFolder(): Promise<string> {
  outside = await functionsDir({
    'secret.txt': `root:x:0:0:${SECRET}\n`,
    'secret.json': JSON.stringify({ env: { TOKEN: SECRET } }),
    'secret.js': handler(`return new Response("${SECRET}")`),
    'sub/x.js': handler(`return new Response("${SECRET}")`),
  })
  return outside.path
}

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path])
}

async function unixSocket(path: string): Promise<void> {
  const server = createServer()
  servers.push(server)
  await new Promise<void>((r) => server.listen(path, r))
}

/** The message clients get says nothing of the host: no secret, no absolute path. */
function expectNoLeak(message: string, ...paths: string[]): void {
  expect(message).not.toContain(SECRET)
  expect(message).not.toContain('root:x')
  for (const p of paths) expect(message).not.toContain(p)
}

describe('special files in the functions folder', () => {
  const startHost = hostPerTest({ transport: 'real server' })
  const start = async (files: Record<string, string | Uint8Array>, more: AdversarialOptions) => {
    const t0 = Date.now()
    const h = await startHost(files, more)
    expect(Date.now() - t0).toBeLessThan(START_WITHIN_MS)
    return h
  }

  it('starts and listens with FIFOs present: a FIFO sidecar fails its function, a FIFO function is none', async () => {
    const h = await start(
      { 'f.js': FN },
      {
        prepare: (dir) => {
          mkfifo(join(dir, 'f.json'))
          mkfifo(join(dir, 'pipe.js'))
        },
      },
    )
    const answer = await errorAnswer(h.call, '/f')
    expect(answer).toMatchObject({ status: 500, error: 'FUNCTION_LOAD_FAILED' })
    expect(answer.message).toMatch(/f\.json is not a regular file/)
    expectNoLeak(answer.message, h.dir)
    expect((await h.call('/pipe')).status).toBe(404)
    await expectServes(h.call)
  })

  it('a FIFO or socket added later does not block the scan: files added after it are served', async () => {
    const h = await start({ 'f.js': FN, 's.js': FN }, { watch: true })
    mkfifo(join(h.dir, 'f.json'))
    mkfifo(join(h.dir, 'fifo.js'))
    await unixSocket(join(h.dir, 's.json'))
    await h.write('later.js', handler('return new Response("later")'))
    await eventually(async () => (await h.call('/later')).status === 200, WATCH_MS)
    for (const path of ['/f', '/s']) {
      // A good version serves until the change has settled (SETTLE_MS), then the failure shows.
      await eventually(async () => (await h.call(path)).status === 500, WATCH_MS)
      const answer = await errorAnswer(h.call, path)
      expect(answer).toMatchObject({ status: 500, error: 'FUNCTION_LOAD_FAILED' })
      expect(answer.message).toMatch(/is not a regular file/)
    }
    expect((await h.call('/fifo')).status).toBe(404)
    await expectServes(h.call)
  })

  it('refuses a 1 GiB sparse sidecar by its size, without reading it', async () => {
    const h = await start(
      { 'big.js': FN },
      {
        prepare: async (dir) => {
          await writeFile(join(dir, 'big.json'), '')
          await truncate(join(dir, 'big.json'), 2 ** 30)
        },
      },
    )
    const { result, growth } = await peakGrowth(h, () => errorAnswer(h.call, '/big'))
    expect(result).toMatchObject({ status: 500, error: 'FUNCTION_LOAD_FAILED' })
    expect(result.message).toBe(
      `function big failed to load: big.json is ${2 ** 30} bytes; the limit is ${MAX_SIDECAR_BYTES}`,
    )
    expect(growth).toBeLessThan(REFUSED_RSS_MARGIN)
    await expectServes(h.call)
  })
})

describe('symbolic links in the functions folder: never followed, at startup and after', () => {
  const startHost = hostPerTest()

  it('a sidecar linked to a file outside fails its function without quoting the file or a host path', async () => {
    const out = await outsideFolder()
    const h = await startHost(
      { 'a.js': FN, 'b.js': FN },
      {
        prepare: async (dir) => {
          await symlink(join(out, 'secret.txt'), join(dir, 'a.json'))
          await symlink(join(out, 'secret.json'), join(dir, 'b.json'))
        },
      },
    )
    for (const path of ['/a', '/b']) {
      const answer = await errorAnswer(h.call, path)
      expect(answer).toMatchObject({ status: 500, error: 'FUNCTION_LOAD_FAILED' })
      expect(answer.message).toMatch(/\.json is a symbolic link/)
      expectNoLeak(answer.message, h.dir, out)
    }
    await expectServes(h.call)
  })

  it('a function file or folder linked to outside is not served, at startup', async () => {
    const out = await outsideFolder()
    const h = await startHost(
      {},
      {
        prepare: async (dir) => {
          await symlink(join(out, 'secret.js'), join(dir, 'linked.js'))
          await symlink(join(out, 'sub'), join(dir, 'sub'))
        },
      },
    )
    for (const path of ['/linked', '/sub/x']) expect((await h.call(path)).status).toBe(404)
    expect(h.host.logs.some((l) => /linked\.js is a symbolic link/.test(l.message))).toBe(true)
    await expectServes(h.call)
  })

  it('a function file, folder or sidecar linked to outside after startup is not followed either', async () => {
    const out = await outsideFolder()
    const h = await startHost({ 'c.js': FN }, { watch: true })
    await symlink(join(out, 'secret.js'), join(h.dir, 'linked.js'))
    await symlink(join(out, 'sub'), join(h.dir, 'sub'))
    await symlink(join(out, 'secret.txt'), join(h.dir, 'c.json'))
    // A folder renamed into place holding a link: the watcher sees it as a new folder.
    await mkdir(join(out, 'moved'))
    await symlink(join(out, 'secret.js'), join(out, 'moved', 'y.js'))
    await rename(join(out, 'moved'), join(h.dir, 'moved'))
    await h.write('marker.js', handler('return new Response("marker")'))
    await eventually(async () => (await h.call('/marker')).status === 200, WATCH_MS)
    await eventually(async () => (await h.call('/c')).status === 500, WATCH_MS)
    const answer = await errorAnswer(h.call, '/c')
    expect(answer.message).toMatch(/c\.json is a symbolic link/)
    expectNoLeak(answer.message, h.dir, out)
    for (const path of ['/linked', '/sub/x', '/moved/y']) {
      const res = await h.call(path)
      expect(res.status).toBe(404)
      expect(await res.text()).not.toContain(SECRET)
    }
    await expectServes(h.call)
  })

  it('load failures name files relative to the folder and never quote them', async () => {
    const h = await startHost({
      'bad.wasm': new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x63, 0x01]),
      'json.js': FN,
      'json.json': `{\n  "env": { "TOKEN": "${SECRET}" },\n  "timeoutMs": ${SECRET}\n}`,
    })
    const wasm = await errorAnswer(h.call, '/bad')
    expect(wasm).toMatchObject({ status: 500, error: 'FUNCTION_LOAD_FAILED' })
    expect(wasm.message).toMatch(/^function bad failed to load: bad\.wasm: /)
    expectNoLeak(wasm.message, h.dir)
    const json = await errorAnswer(h.call, '/json')
    expect(json.message).toBe(
      'function json failed to load: config sidecar json.json is not valid JSON at line 3, column 16',
    )
    // The full reason, V8's quote included, goes to the host's log.
    expect(h.host.logs.some((l) => l.message.includes(h.dir) || l.message.includes(SECRET))).toBe(
      true,
    )
    await expectServes(h.call)
  })
})
